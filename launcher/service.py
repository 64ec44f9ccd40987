"""One running binary: RPC server, API server, periodic tasks and heartbeat.

A Service is built in the launcher's parent process by :meth:`create`,
which only resolves and validates (definition, manager class, paste app).
Everything that opens a connection or starts a thread happens in
:meth:`start`, inside the worker, after fork.
"""

import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from oslo_config import cfg
from oslo_service.backend.base import ServiceBase
from oslo_utils import importutils

from launcher import config, errors, rpc, rpc_liveness
from launcher.deadline import Deadline
from launcher.definition import ServiceDefinition
from launcher.heartbeat import Heartbeat
from launcher.manager import Manager, ManagerAccessPolicy
from launcher.periodic import PeriodicRunner

LOG = logging.getLogger(__name__)


def _import_named(path: str, what: str, field: str) -> Any:
    """Import what a definition names ("package.module:name" or dotted)."""
    try:
        return importutils.import_class(path.replace(":", "."))
    except (ImportError, ValueError, AttributeError) as exc:
        raise errors.DefinitionLoadError(
            f"cannot import {what} {path!r}: {exc}",
            f"check the definition's {field}",
        ) from None


def import_hook(path: str) -> Callable[[cfg.ConfigOpts], None]:
    """Resolve a post-fork hook in the parent, at create."""
    hook = _import_named(path, "post-fork hook", "post_fork entries")
    if not callable(hook):
        raise errors.DefinitionLoadError(f"post-fork hook {path!r} is not callable")
    return hook


def import_manager(path: str) -> type[Manager]:
    cls = _import_named(path, "manager", "manager path")
    if not (isinstance(cls, type) and issubclass(cls, Manager)):
        raise errors.DefinitionLoadError(
            f"manager {path!r} is not a launcher.manager.Manager subclass"
        )
    return cls


class Service(ServiceBase):
    """A binary's role in one worker process: API, RPC, or both.

    ``primary`` services run the manager's periodic tasks, its
    ``init_host``/``cleanup_host`` and the heartbeat; a daemon with API and
    RPC workers makes its RPC workers primary.
    """

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        definition: ServiceDefinition,
        host: str,
        manager_cls: type[Manager],
        *,
        serve_rpc: bool = True,
        serve_api: bool = False,
        primary: bool = True,
        app: Any = None,
        sock: socket.socket | None = None,
        database: Any = None,
        transport: Any = None,
    ) -> None:
        super().__init__()
        self.conf = conf
        self.definition = definition
        self.host = host
        self.binary = definition.binary
        self.topic = definition.topic
        self.manager_cls = manager_cls
        self.serve_rpc = serve_rpc
        self.serve_api = serve_api
        self.primary = primary
        self.app = app
        self.sock = sock
        self._database = database
        self._transport = transport
        self.manager: Manager | None = None
        self.rpc_server: Any = None
        self.wsgi_server: Any = None
        self._consume_watch: rpc_liveness.ConsumeWatch | None = None
        self._rpc_in_flight: rpc.InFlightCalls | None = None
        self._post_fork = [import_hook(path) for path in definition.post_fork]
        self._periodic: PeriodicRunner | None = None
        self._heartbeat: Heartbeat | None = None
        self.cut: list[str] = []

    @classmethod
    def create(
        cls,
        conf: cfg.ConfigOpts,
        binary: str | None = None,
        topic: str | None = None,
        manager: str | None = None,
        host: str | None = None,
        *,
        definition: ServiceDefinition | None = None,
        serve_rpc: bool | None = None,
        serve_api: bool | None = None,
        primary: bool = True,
        sock: socket.socket | None = None,
        database: Any = None,
        transport: Any = None,
    ) -> "Service":
        """Fill what the caller left out from the definition and the config."""
        if definition is None:
            from launcher import registry

            definition = registry.load().get(binary or "")
        if topic or manager:
            definition = _override(definition, topic=topic, manager=manager)
        serve_api = bool(definition.api) if serve_api is None else serve_api
        serve_rpc = definition.rpc if serve_rpc is None else serve_rpc
        app = None
        if serve_api:
            from launcher.wsgi import app as wsgi_app

            app = wsgi_app.load_app(conf, definition)
        return cls(
            conf,
            definition,
            host or conf.host,
            import_manager(definition.manager),
            serve_rpc=serve_rpc,
            serve_api=serve_api,
            primary=primary,
            app=app,
            sock=sock,
            database=database,
            transport=transport,
        )

    # -- lifecycle, in the worker ------------------------------------------

    def post_fork(self) -> None:
        """Right after fork, before start(): drop what the parent opened.

        Then run the definition's ``post_fork`` hooks, for services that
        must open their own connections (pools, sockets, clients) in each
        worker. A connection inherited across fork is shared with the
        parent and every sibling, and corrupts silently.
        """
        if self._database is not None:
            self._database.dispose()
        for hook in self._post_fork:
            hook(self.conf)

    def start(self) -> None:
        manager = self.manager = self.manager_cls(
            self.conf, self.host, self.binary, self.topic
        )
        manager._transport_factory = self._get_transport
        if self.primary:
            manager.init_host()
        manager.pre_start_hook()
        if self.serve_rpc:
            self._start_rpc(manager)
        if self.primary:
            self._start_background(manager)
        # Last: under eventlet the accept loop runs only once start() yields,
        # so everything built after it delays a replacement's first answer.
        if self.serve_api:
            self._start_api()
        manager.post_start_hook()
        LOG.info(
            "%s started on %s (rpc=%s api=%s)",
            self.binary,
            self.host,
            self.serve_rpc,
            self.serve_api,
        )

    def _get_transport(self) -> Any:
        if self._transport is None:
            self._transport = rpc.get_transport(self.conf)
        return self._transport

    def _start_rpc(self, manager: Manager) -> None:
        endpoints = [manager, *manager.additional_endpoints]
        self.rpc_server = rpc.get_server(
            self._get_transport(),
            self.topic,
            self.host,
            endpoints,
            access_policy=ManagerAccessPolicy,
        )
        self._rpc_in_flight = rpc.InFlightCalls(self.rpc_server)
        self.rpc_server.start()
        self._consume_watch = rpc_liveness.watch(self.rpc_server)

    def _start_api(self) -> None:
        from launcher.wsgi import server as wsgi_server

        if self.sock is None:
            raise errors.ConfigError(f"{self.binary}: API service has no socket")
        self.wsgi_server = wsgi_server.create_server(
            self.app, self.sock, self.conf.wsgi, self.binary
        )
        self.wsgi_server.start()

    def _start_background(self, manager: Manager) -> None:
        if self.conf.periodic_enable:
            self._periodic = PeriodicRunner(
                manager,
                self.conf.periodic_interval_max,
                self.conf.periodic_fuzzy_delay,
            )
            self._periodic.start()
        self._heartbeat = Heartbeat(
            self.database,
            self.host,
            self.binary,
            self.topic,
            self.conf.report_interval,
            periodic_status=None if self._periodic is None else self.periodic_status,
        )
        self._heartbeat.start()

    def periodic_status(self) -> dict[str, dict[str, Any]]:
        """Per-task counters of the periodic tasks; empty when none run here."""
        return self._periodic.status() if self._periodic is not None else {}

    def in_flight_summary(self) -> str:
        parts = []
        if self.wsgi_server is not None:
            parts.append(f"{self.wsgi_server.in_flight} HTTP requests")
        if self._rpc_in_flight is not None:
            parts.append(f"{self._rpc_in_flight.count} RPC messages")
        return ", ".join(parts) or "nothing"

    def wait_ready(self, timeout: float) -> bool:
        """True once intake really works: the API accepts, RPC has consumed.

        ``start()`` returning proves only that threads exist; a rolling
        reload must not retire an old worker for a new one that cannot
        yet take work (see launcher.rpc_liveness).
        """
        deadline = time.monotonic() + timeout
        server = self.wsgi_server
        if server is not None and hasattr(server, "wait_accepting"):
            if not server.wait_accepting(max(0.0, deadline - time.monotonic())):
                return False
        watch = self._consume_watch
        if watch is not None:
            return watch.wait_consuming(max(0.0, deadline - time.monotonic()))
        return True

    def health(self) -> str | None:
        """Why this worker should be restarted, or None while it is healthy.

        Only a worker that has consumed once is judged: one still waiting
        for the broker at start-up gains nothing from a restart, and
        oslo.messaging is already retrying its connection.
        """
        watch, limit = self._consume_watch, self.conf.supervisor.rpc_deaf_timeout
        if watch is None or not limit or not watch.consumed:
            return None
        silent = watch.silent_for()
        if silent <= limit:
            return None
        return (
            f"{self.binary}: the RPC server on topic {self.topic!r} has not "
            f"consumed from the broker for {silent:.0f}s (connection lost and "
            f"not re-established; [supervisor] rpc_deaf_timeout = {limit})"
        )

    @property
    def database(self) -> Any:
        if self._database is None:
            from launcher.db.api import Database

            self._database = Database(config.database_connection(self.conf))
        return self._database

    def stop(self, graceful: bool = True) -> None:
        """Stop intake: no new connections, no new RPC messages."""
        LOG.info("stopping intake; in flight: %s", self.in_flight_summary())
        if self.wsgi_server is not None:
            self.wsgi_server.stop()
        if self.rpc_server is not None:
            self.rpc_server.stop()

    def wait(self) -> None:
        """Two phases: drain in-flight work, then clean up; each has a deadline.

        Drain: HTTP requests and RPC calls already taken finish within
        ``graceful_shutdown_timeout``. Clean-up: periodic tasks, heartbeat
        and ``cleanup_host`` finish within ``[supervisor] cleanup_timeout``.
        Only what outlives its phase is cut, and it is logged; ``self.cut``
        names it for the worker's exit code.
        """
        drain = Deadline(self.conf.graceful_shutdown_timeout, "drain")
        if self.wsgi_server is not None and not self.wsgi_server.wait(
            drain.remaining()
        ):
            drain.expired_note("HTTP requests")
        if self.rpc_server is not None:
            drain.run("RPC calls", self.rpc_server.wait)
        cleanup = Deadline(self.conf.supervisor.cleanup_timeout, "clean-up")
        for part in (self._periodic, self._heartbeat):
            if part is not None:
                part.stop()
                cleanup.run(type(part).__name__, part.wait)
        if self.manager is not None and self.primary:
            cleanup.run("cleanup_host", self.manager.cleanup_host)
        if self._transport is not None:
            cleanup.run("RPC transport", self._transport.cleanup)
            self._transport = None
        if self._database is not None:
            self._database.dispose()
        self.cut = drain.cut + cleanup.cut

    def reset(self) -> None:
        """SIGHUP, in the launcher's parent: rebuild what new workers inherit."""
        if self.serve_api:
            from launcher.wsgi import app as wsgi_app

            self.app = wsgi_app.load_app(self.conf, self.definition)
        if self.manager is not None:
            self.manager.reset()


def _override(
    definition: ServiceDefinition, **changes: str | None
) -> ServiceDefinition:
    import dataclasses

    return dataclasses.replace(
        definition, **{k: v for k, v in changes.items() if v is not None}
    )
