"""glance-api's paste app under oslo.service's own ProcessLauncher (eventlet).

The comparison point for the reload benchmark: the same app, the same
config and the same eventlet.wsgi server, but the launcher every OpenStack
service uses today. ``python -m benchmarks.oslo_launch CONF PORT WORKERS``.
"""

import sys
from typing import Any


def main() -> int:
    from launcher import backend

    backend.select(backend.Backend.EVENTLET)
    import eventlet
    import eventlet.wsgi
    from oslo_service import service as oslo_service

    from launcher import config, registry
    from launcher.wsgi import app as wsgi_app
    from launcher.wsgi import sockets

    class WSGIService(oslo_service.ServiceBase):
        """What nova's and glance's WSGI services do, minus their extras."""

        def __init__(self, app: Any, sock: Any) -> None:
            self.app, self.sock = app, sock
            self.pool: Any = None
            self.server: Any = None

        def start(self) -> None:
            self.pool = eventlet.GreenPool(100)
            self.server = eventlet.spawn(
                eventlet.wsgi.server,
                self.sock.dup(),
                self.app,
                custom_pool=self.pool,
                log_output=False,
            )

        def stop(self, graceful: bool = False) -> None:
            if self.server is not None:
                self.server.kill()

        def wait(self) -> None:
            if self.pool is not None:
                self.pool.waitall()

        def reset(self) -> None:
            pass

    conf_file, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    definition = registry.load().get("glance-api")
    conf = config.new_conf()
    config.register_definitions(conf, [definition])
    conf(["--config-file", conf_file], project=config.PROJECT)
    config.setup_logging(conf)
    app = wsgi_app.load_app(conf, definition)
    sock = sockets.bind("127.0.0.1", port, 1024)
    launcher = oslo_service.ProcessLauncher(conf, restart_method="reload")
    launcher.launch_service(WSGIService(app, sock), workers=workers)
    launcher.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
