"""The daemon's own logic: RPC endpoints, periodic tasks and lifecycle hooks.

A Manager's public methods are the RPC endpoints of its topic, except the
lifecycle hooks declared here: :class:`ManagerAccessPolicy` keeps those
from being called over the wire.
"""

from typing import Any

import oslo_messaging
from oslo_config import cfg
from oslo_service import periodic_task

periodic = periodic_task.periodic_task


class Manager(periodic_task.PeriodicTasks):
    """Base class for a daemon's manager.

    Lifecycle order, as :class:`launcher.service.Service` calls it in the
    worker process: ``__init__`` (after fork), ``init_host``,
    ``pre_start_hook`` (RPC server not yet consuming), ``post_start_hook``
    (serving), then on stop ``cleanup_host``; ``reset`` on SIGHUP.
    """

    target = oslo_messaging.Target(version="1.0")

    def __init__(
        self, conf: cfg.ConfigOpts, host: str, binary: str, topic: str | None
    ) -> None:
        super().__init__(conf)
        self.conf = conf
        self.host = host
        self.binary = binary
        self.topic = topic
        self.additional_endpoints: list[Any] = []
        self._transport_factory: Any = None
        self._transport: Any = None

    @property
    def transport(self) -> Any:
        """This worker's RPC transport, made on first use (after fork)."""
        if self._transport is None and self._transport_factory is not None:
            self._transport = self._transport_factory()
        return self._transport

    def init_host(self) -> None:
        """Prepare this host before anything is served."""

    def pre_start_hook(self) -> None:
        """Runs after init_host, before the RPC server starts consuming."""

    def post_start_hook(self) -> None:
        """Runs once the RPC server and API (if any) are serving."""

    def cleanup_host(self) -> None:
        """Release what init_host acquired; the service is stopping."""

    def reset(self) -> None:
        """SIGHUP: drop caches that depend on configuration."""

    def set_periodic_spacing(self, **spacing: float) -> None:
        """Set, for this instance only, the spacing of named periodic tasks.

        oslo.service fixes spacing in the decorator, at class creation;
        daemons want it from config. Shadowing the class's table on the
        instance keeps two managers with different config independent.
        """
        table = dict(self._periodic_spacing)
        unknown = sorted(set(spacing) - set(table))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no periodic task {unknown}")
        table.update(spacing)
        self._periodic_spacing = table

    def periodic_tasks(self, context: Any, raise_on_error: bool = False) -> float:
        return self.run_periodic_tasks(context, raise_on_error=raise_on_error)


_HIDDEN = frozenset(name for name in dir(Manager) if not name.startswith("_"))


class ManagerAccessPolicy(oslo_messaging.DefaultRPCAccessPolicy):
    """Expose a manager's own public methods, never the framework's hooks."""

    def is_allowed(self, endpoint: Any, method: str) -> bool:
        if isinstance(endpoint, Manager) and method in _HIDDEN:
            return False
        return super().is_allowed(endpoint, method)
