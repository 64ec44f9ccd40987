"""The daemon's own logic: RPC endpoints, periodic tasks and lifecycle hooks.

A Manager's public methods are the RPC endpoints of its topic, except the
lifecycle hooks declared here: :class:`ManagerAccessPolicy` keeps those
from being called over the wire.
"""

from collections.abc import Callable
from typing import Any, TypeVar, overload

import oslo_messaging
from oslo_config import cfg
from oslo_service import periodic_task

from launcher.periodic import SKIP, TaskPolicy

F = TypeVar("F", bound=Callable[..., Any])


@overload
def periodic(func: F, /) -> F: ...


@overload
def periodic(
    *,
    spacing: float = 0,
    run_immediately: bool = False,
    initial_delay: float | None = None,
    jitter: float | None = None,
    overlap: str = SKIP,
    timeout: float | None = None,
    enabled: bool = True,
    name: str | None = None,
    external_process_ok: bool = False,
) -> Callable[[F], F]: ...


def periodic(
    func: Any = None,
    /,
    *,
    spacing: float = 0,
    run_immediately: bool = False,
    initial_delay: float | None = None,
    jitter: float | None = None,
    overlap: str = SKIP,
    timeout: float | None = None,
    enabled: bool = True,
    name: str | None = None,
    external_process_ok: bool = False,
) -> Any:
    """Mark a manager method as a periodic task, with its scheduling policy.

    oslo.service's ``periodic_task`` decorator, so its attributes (and
    ``@periodic(spacing=...)``, ``@periodic`` alone) keep working, plus the
    policy that :class:`launcher.periodic.PeriodicRunner` applies. Every
    delay is counted from the service's start:

    - ``spacing``: seconds between runs; 0 is oslo's default interval
      (60 s), a negative value disables the task;
    - ``run_immediately``: first run at start rather than one spacing later;
    - ``initial_delay``: seconds before the first run, overriding both;
    - ``jitter``: a random extra delay in ``[0, jitter]`` before the first
      run; default ``[DEFAULT] periodic_fuzzy_delay``; 0 for none;
    - ``overlap``: ``"skip"`` a tick that comes due while the previous run
      is still going (counted), or ``"queue"`` one run right after it;
    - ``timeout``: seconds after which a run still going is logged as a
      WARNING and counted. It is not interrupted: a thread cannot be killed.

    Invalid values raise ValueError when the class is defined.
    """
    policy = TaskPolicy(
        initial_delay=initial_delay, jitter=jitter, overlap=overlap, timeout=timeout
    )
    oslo_options: dict[str, Any] = {
        "spacing": spacing,
        "run_immediately": run_immediately,
        "enabled": enabled,
        "external_process_ok": external_process_ok,
    }
    if name is not None:
        oslo_options["name"] = name

    def decorate(f: F) -> F:
        marked: Any = periodic_task.periodic_task(**oslo_options)(f)
        marked._periodic_policy = policy
        return marked

    return decorate if func is None else decorate(func)


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
        As in the decorator, 0 means the default interval and a negative
        spacing disables the task.
        """
        table = dict(self._periodic_spacing)
        unknown = sorted(set(spacing) - set(table))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no periodic task {unknown}")
        table.update(spacing)
        self._periodic_spacing = table

    def periodic_tasks(self, context: Any, raise_on_error: bool = False) -> float:
        """Run every due task once, serially, with oslo.service's own loop.

        Not what a running service uses (see :mod:`launcher.periodic`);
        kept for callers that drive tasks by hand.
        """
        return self.run_periodic_tasks(context, raise_on_error=raise_on_error)


_HIDDEN = frozenset(name for name in dir(Manager) if not name.startswith("_"))


class ManagerAccessPolicy(oslo_messaging.DefaultRPCAccessPolicy):
    """Expose a manager's own public methods, never the framework's hooks."""

    def is_allowed(self, endpoint: Any, method: str) -> bool:
        if isinstance(endpoint, Manager) and method in _HIDDEN:
            return False
        return super().is_allowed(endpoint, method)
