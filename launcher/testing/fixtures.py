"""Start any registered service in-process, for tests.

The fixture builds a private ConfigOpts, the fake RPC transport and a
throwaway SQLite database, starts the service with the same code path a
worker runs, and undoes all of it on cleanup. It is a ``fixtures.Fixture``
so testtools-style suites use it with ``useFixture``; pytest users get the
``svc_launch_service`` factory from the plugin.
"""

import socket
from collections.abc import Mapping
from typing import Any

import fixtures
from oslo_config import cfg

from launcher import config, registry, rpc
from launcher.definition import ServiceDefinition
from launcher.service import Service

# As in a real worker: a fixture is usable once intake works, not when
# start() returns.
READY_TIMEOUT = 30.0


class ServiceFixture(fixtures.Fixture):
    """One service running in this process, with the fake transport.

    ``overrides`` maps ``"group.option"`` (or ``"option"`` for DEFAULT) to
    values, e.g. ``{"report_interval": 1, "wsgi.default_pool_size": 4}``;
    the definition's own options (``ServiceDefinition.options``) are
    registered first, and ``extra_opts`` (``[(group, [Opt, ...])]``, for a
    plug-in's options) too. Pass another fixture's ``transport`` to put
    two services on one fake bus, e.g. a scheduler and a compute host.
    """

    def __init__(
        self,
        binary: str,
        host: str = "test-host",
        overrides: Mapping[str, Any] | None = None,
        definition: ServiceDefinition | None = None,
        transport: Any = None,
        extra_opts: list[tuple[str | None, list[cfg.Opt]]] | None = None,
    ) -> None:
        super().__init__()
        self.binary = binary
        self.host = host
        self.overrides = dict(overrides or {})
        self.definition = definition
        self.shared_transport = transport
        self.extra_opts = list(extra_opts or [])
        self.service: Service | None = None
        self.sock: socket.socket | None = None

    def _setUp(self) -> None:
        found = registry.load()
        definition = self.definition or found.get(self.binary)
        state = self.useFixture(fixtures.TempDir()).path
        self.conf = conf = _make_conf(
            definition, state, self.overrides, self.extra_opts
        )
        self.database = _migrated_database(conf)
        self.addCleanup(self.database.dispose)
        if self.shared_transport is not None:
            self.transport = self.shared_transport
        else:
            self.transport = rpc.get_transport(conf)
            self.addCleanup(self.transport.cleanup)
        if definition.api is not None:
            from launcher.wsgi import sockets

            self.sock = sockets.bind("127.0.0.1", 0, 128)
            self.addCleanup(self.sock.close)
        self.service = Service.create(
            conf,
            definition=definition,
            host=self.host,
            serve_api=definition.api is not None,
            serve_rpc=definition.rpc,
            sock=self.sock,
            database=self.database,
            transport=self.transport,
        )
        self.service.start()
        self.addCleanup(self._stop)
        if not self.service.wait_ready(READY_TIMEOUT):
            raise RuntimeError(
                f"{self.binary} started but was not accepting or consuming "
                f"after {READY_TIMEOUT}s"
            )

    def _stop(self) -> None:
        assert self.service is not None
        self.service.stop(graceful=True)
        self.service.wait()

    @property
    def manager(self) -> Any:
        assert self.service is not None
        return self.service.manager

    @property
    def app(self) -> Any:
        assert self.service is not None
        return self.service.app

    @property
    def base_url(self) -> str:
        if self.sock is None:
            raise AttributeError(f"{self.binary} has no API")
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def rpc_client(self, version: str | None = None, timeout: int = 10) -> Any:
        """A client for this service's topic on the shared fake transport."""
        assert self.service is not None
        return rpc.get_client(
            self.transport, self.service.topic, version or "1.0", timeout=timeout
        )


def _make_conf(
    definition: ServiceDefinition,
    state_path: str,
    overrides: Mapping[str, Any],
    extra_opts: list[tuple[str | None, list[cfg.Opt]]],
) -> cfg.ConfigOpts:
    conf = config.new_conf()
    config.register_definitions(conf, [definition])
    for group, options in extra_opts:
        conf.register_opts(options, group=group)
    conf([], project=config.PROJECT, default_config_files=[])
    conf.set_override("state_path", state_path)
    conf.set_override("transport_url", "fake://")
    conf.set_override("periodic_fuzzy_delay", 0)
    conf.set_override("graceful_shutdown_timeout", 10)
    for key, value in overrides.items():
        group, _, name = key.rpartition(".")
        conf.set_override(name, value, group=group or None)
    return conf


def _migrated_database(conf: cfg.ConfigOpts) -> Any:
    from launcher.db import migration
    from launcher.db.api import Database

    url = config.database_connection(conf)
    migration.upgrade(url)
    return Database(url)
