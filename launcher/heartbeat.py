"""Report that a service is alive by bumping its row in the services table.

A database outage must not stop the service: it is logged once when it
starts, once when it ends, and the beat is retried every interval.

With ``periodic_status`` (a callable returning the periodic runner's
per-task counters) each beat also stores those counters in the row, for
``svc-launch status --tasks``.
"""

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from launcher import errors

LOG = logging.getLogger(__name__)

PeriodicStatus = Callable[[], Mapping[str, Any]]


class HeartbeatStore(Protocol):
    """Where beats go; ``periodic_tasks`` is passed only with ``periodic_status``."""

    def heartbeat(
        self,
        host: str,
        binary: str,
        topic: str | None,
        periodic_tasks: Mapping[str, Any] | None = None,
    ) -> object: ...


class Heartbeat:
    def __init__(
        self,
        store: HeartbeatStore,
        host: str,
        binary: str,
        topic: str | None,
        interval: float,
        periodic_status: PeriodicStatus | None = None,
    ) -> None:
        self._store = store
        self._identity = (host, binary, topic)
        self._interval = interval
        self._periodic_status = periodic_status
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.outage = False

    def start(self) -> None:
        self.beat()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            self.beat()

    def beat(self) -> bool:
        """Write one heartbeat; True if it reached the database."""
        extra = self._extra()
        try:
            self._store.heartbeat(*self._identity, **extra)
        except errors.DatabaseUnavailable as exc:
            if self.outage:
                LOG.debug("heartbeat still failing: %s", exc)
            else:
                LOG.error(
                    "heartbeat failed, will retry every %ss: %s", self._interval, exc
                )
            self.outage = True
            return False
        except Exception:
            LOG.exception("heartbeat failed unexpectedly; will retry")
            return False
        if self.outage:
            LOG.info("heartbeat reached the database again")
        self.outage = False
        return True

    def _extra(self) -> dict[str, Any]:
        """The periodic tasks' counters, if any; a failure here is no outage."""
        if self._periodic_status is None:
            return {}
        try:
            return {"periodic_tasks": dict(self._periodic_status())}
        except Exception:
            LOG.exception("cannot read the periodic tasks' status; beating without")
            return {}

    def stop(self) -> None:
        self._stopping.set()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
