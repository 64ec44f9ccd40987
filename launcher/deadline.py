"""Run shutdown steps against a deadline, and say what outlived it.

A step that cannot be interrupted (oslo.messaging's RPCServer.wait, a
manager's cleanup_host) runs on a daemon thread that is joined until the
deadline; if it is still running then, it is logged and left behind, and
the process exit cuts it.
"""

import logging
import threading
import time
from collections.abc import Callable

LOG = logging.getLogger(__name__)


class Deadline:
    def __init__(self, seconds: float | None, phase: str) -> None:
        self._end = None if not seconds else time.monotonic() + seconds
        self.phase = phase
        self.cut: list[str] = []

    def remaining(self) -> float | None:
        if self._end is None:
            return None
        return max(0.0, self._end - time.monotonic())

    def run(self, what: str, step: Callable[[], object]) -> bool:
        """Run ``step``; True if it finished before the deadline."""
        errors: list[BaseException] = []

        def target() -> None:
            try:
                step()
            except Exception as exc:  # logged here: the caller goes on
                errors.append(exc)

        thread = threading.Thread(target=target, name=f"{self.phase}: {what}")
        thread.daemon = True
        thread.start()
        thread.join(self.remaining())
        if thread.is_alive():
            self.cut.append(what)
            LOG.error(
                "%s: %s still running at the deadline; cutting it", self.phase, what
            )
            return False
        for exc in errors:
            LOG.error("%s: %s failed: %s", self.phase, what, exc, exc_info=exc)
        return True

    def expired_note(self, what: str) -> None:
        self.cut.append(what)
        LOG.error("%s: %s cut at the deadline", self.phase, what)
