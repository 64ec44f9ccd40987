"""Two ways to serve the trivial WSGI app, for the WSGI benchmark.

``python -m benchmarks.trivial bare PORT`` serves it with the bare server
of the current backend (eventlet.wsgi or waitress): the floor.
``python -m benchmarks.trivial svc PORT WORKERS`` serves it through
svc-launch's own path: definition, paste, ProcessLauncher, worker, our
server wrapper (in-flight count, access log).
"""

import sys

# One floor app for every benchmark (also served by benchmarks/trivial-paste.ini).
from benchmarks.trivial_app import trivial_app as app


def _bare(port: int) -> None:
    from launcher import backend
    from launcher.wsgi import sockets

    sock = sockets.bind("127.0.0.1", port, 1024)
    if backend.is_eventlet():
        import eventlet
        import eventlet.wsgi

        eventlet.wsgi.server(
            sock, app, log_output=False, custom_pool=eventlet.GreenPool(100)
        )
    else:
        import waitress

        waitress.serve(app, sockets=[sock], threads=100, _quiet=True)


def _svc(port: int, workers: int) -> int:
    from launcher import config, launch
    from launcher.definition import ApiSpec, ServiceDefinition
    from launcher.supervisor import ProcessLauncher

    definition = ServiceDefinition(
        binary="bench-trivial",
        topic="bench-trivial",
        manager="launcher.manager.Manager",
        api=ApiSpec(paste_ini="benchmarks:trivial-paste.ini", default_port=port),
        rpc=False,
    )
    conf = config.new_conf()
    config.register_definitions(conf, [definition])
    conf(["--config-file", "/dev/null"], project=config.PROJECT)
    conf.set_override("workers", workers, group=definition.group)
    conf.set_override("bind_host", "127.0.0.1", group=definition.group)
    conf.set_override("periodic_enable", False)
    conf.set_override("report_interval", 3600)
    conf.set_override("state_path", sys.argv[4] if len(sys.argv) > 4 else "/tmp")
    config.setup_logging(conf)
    from launcher import commands

    commands.ensure_schema(conf)
    sock = launch.bind(conf, definition)
    launcher = ProcessLauncher(conf, listeners=[sock])
    for role in launch.plan(conf, definition, sock):
        launcher.launch_service(role.service, role.workers, role.name)
    return launcher.wait()


def main() -> int:
    from launcher import backend

    backend.select(backend.from_argv([]))
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "bare":
        _bare(port)
        return 0
    return _svc(port, int(sys.argv[3]))


if __name__ == "__main__":
    sys.exit(main())
