"""glance-api's paste app under oslo.service's own ProcessLauncher.

The comparison point for the reload benchmark: the same app and config,
but the launcher every OpenStack service uses today.
``python -m benchmarks.oslo_launch CONF PORT WORKERS [eventlet|threading]``.

- eventlet: oslo.service's own ProcessLauncher, serving with eventlet.wsgi
  the way nova's and glance's WSGI services do.
- threading: oslo.service's ProcessLauncher is then cotyledon's
  ServiceManager. oslo.service has no WSGI server for this backend
  (``oslo_service.wsgi`` is eventlet.wsgi), so the workers serve with
  svc-launch's waitress server, and only the launcher differs. cotyledon
  exits a worker as soon as ``stop()`` returns, so ``stop()`` drains.
"""

import sys
import threading
from typing import Any


def main() -> int:
    from launcher import backend

    conf_file, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    chosen = backend.Backend(sys.argv[4] if len(sys.argv) > 4 else "eventlet")
    backend.select(chosen)
    from oslo_service import service as oslo_service

    from launcher import config, registry
    from launcher.wsgi import app as wsgi_app
    from launcher.wsgi import sockets

    class GreenWSGIService(oslo_service.ServiceBase):
        """What nova's and glance's WSGI services do, minus their extras."""

        def __init__(self, app: Any, sock: Any) -> None:
            self.app, self.sock = app, sock
            self.pool: Any = None
            self.server: Any = None

        def start(self) -> None:
            import eventlet
            import eventlet.wsgi

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

    class ThreadedWSGIService(oslo_service.ServiceBase):
        """The same app over svc-launch's waitress server, for cotyledon."""

        def __init__(self, app: Any, sock: Any, conf: Any) -> None:
            self.app, self.sock, self.conf = app, sock, conf
            self.server: Any = None
            self.stopped = threading.Event()

        def start(self) -> None:
            from launcher.wsgi.server import create_server

            self.server = create_server(self.app, self.sock, self.conf.wsgi, "oslo")
            self.server.start()

        def stop(self, graceful: bool = False) -> None:
            if self.server is not None:
                self.server.stop()
                self.server.wait(self.conf.graceful_shutdown_timeout or None)
            self.stopped.set()

        def wait(self) -> None:
            self.stopped.wait()

        def reset(self) -> None:
            pass

    definition = registry.load().get("glance-api")
    conf = config.new_conf()
    config.register_definitions(conf, [definition])
    conf(["--config-file", conf_file], project=config.PROJECT)
    config.setup_logging(conf)
    app = wsgi_app.load_app(conf, definition)
    sock = sockets.bind("127.0.0.1", port, 1024)
    if chosen is backend.Backend.EVENTLET:
        service: Any = GreenWSGIService(app, sock)
    else:
        service = ThreadedWSGIService(app, sock, conf)
    launcher = oslo_service.ProcessLauncher(conf, restart_method="reload")
    launcher.launch_service(service, workers=workers)
    launcher.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
