"""Report that a service is alive by bumping its row in the services table.

A database outage must not stop the service: it is logged once when it
starts, once when it ends, and the beat is retried every interval.
"""

import logging
import threading
from typing import Protocol

from launcher import errors

LOG = logging.getLogger(__name__)


class HeartbeatStore(Protocol):
    def heartbeat(self, host: str, binary: str, topic: str | None) -> object: ...


class Heartbeat:
    def __init__(
        self,
        store: HeartbeatStore,
        host: str,
        binary: str,
        topic: str | None,
        interval: float,
    ) -> None:
        self._store = store
        self._identity = (host, binary, topic)
        self._interval = interval
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
        try:
            self._store.heartbeat(*self._identity)
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

    def stop(self) -> None:
        self._stopping.set()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
