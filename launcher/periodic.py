"""Run a manager's periodic tasks on their own thread.

Each manager gets one runner thread, so a slow task delays only the other
periodic tasks, never RPC dispatch, HTTP serving or the heartbeat (each of
those has its own threads). Errors in a task are logged by oslo.service
with the task's name, and the loop goes on.
"""

import logging
import random
import threading

from oslo_context import context as oslo_context

from launcher.manager import Manager

LOG = logging.getLogger(__name__)


class PeriodicRunner:
    def __init__(
        self, manager: Manager, interval_max: float, fuzzy_delay: float = 0
    ) -> None:
        self._manager = manager
        self._interval_max = interval_max
        self._fuzzy_delay = fuzzy_delay
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="periodic-tasks", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        delay = random.uniform(0, self._fuzzy_delay) if self._fuzzy_delay else 0
        if self._stopping.wait(delay):
            return
        context = oslo_context.get_admin_context()
        while not self._stopping.is_set():
            try:
                idle = self._manager.periodic_tasks(context)
            except Exception:  # a bug in the runner itself, not in a task
                LOG.exception("periodic task runner failed; retrying")
                idle = self._interval_max
            self._stopping.wait(min(idle, self._interval_max))

    def stop(self) -> None:
        self._stopping.set()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
