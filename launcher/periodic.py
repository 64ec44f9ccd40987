"""Run each of a manager's periodic tasks on its own schedule and thread.

oslo.service's ``run_periodic_tasks`` is not used: it runs every due task
one after the other in the caller's thread, so one slow task delays all
the others, and it counts a task's first run from the moment the module
defining it was imported, not from the moment the service started.

Here every task gets a scheduler thread (``periodic: <task>``) that keeps
its clock, and each run happens on a thread of its own
(``periodic run: <task>``), so the scheduler can notice, while the run is
still going, a tick that comes due (overlap policy) or a run that outlives
its timeout. Under the eventlet backend these threads are green threads:
a task that blocks without yielding to the hub (a CPU loop, a C call)
still stalls the whole process.

The schedule of a task, all of it counted from :meth:`PeriodicRunner.start`:

- first run after ``initial_delay`` (default: the spacing, or 0 with
  ``run_immediately``) plus a random ``jitter`` in ``[0, jitter]`` (default
  ``[DEFAULT] periodic_fuzzy_delay``), so that workers started together do
  not run in lockstep; later ticks follow every ``spacing`` seconds from
  that first one (fixed rate, no drift);
- spacing is read from ``manager._periodic_spacing``, so a manager's
  :meth:`~launcher.manager.Manager.set_periodic_spacing` counts; as in
  oslo.service, a spacing of 0 means the default interval (60 s) and a
  negative one disables the task;
- overlap ``"skip"``: a tick that comes due while the previous run is
  still going is skipped and counted, and the next run is on the next
  tick; ``"queue"``: one more run starts as soon as the running one ends
  (at most one is queued; later ticks are skipped);
- ``timeout``: a run going longer is logged once, as a WARNING, and
  counted. A thread cannot be killed, so the run goes on; its duration is
  logged when it ends, and the task's next run waits for it as the
  overlap policy says;
- a run that raises is logged with the task's name and counted; the
  schedule goes on.

Per-task counters are returned by :meth:`PeriodicRunner.status`, which the
heartbeat stores with the service's row for ``svc-launch status --tasks``.
"""

import dataclasses
import inspect
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oslo_context import context as oslo_context
from oslo_service import periodic_task as oslo_periodic
from oslo_utils import timeutils

if TYPE_CHECKING:
    from launcher.manager import Manager

LOG = logging.getLogger(__name__)

SKIP = "skip"
QUEUE = "queue"
OVERLAP_POLICIES = (SKIP, QUEUE)
ERROR_MAX = 200  # characters of last_error kept in the status


@dataclasses.dataclass(frozen=True)
class TaskPolicy:
    """How one periodic task is scheduled; ``None`` means "the default".

    Set through :func:`launcher.manager.periodic`; a task decorated with
    oslo.service's own decorator gets the defaults.
    """

    initial_delay: float | None = None
    jitter: float | None = None
    overlap: str = SKIP
    timeout: float | None = None

    def __post_init__(self) -> None:
        if self.overlap not in OVERLAP_POLICIES:
            raise ValueError(
                f"overlap must be one of {', '.join(OVERLAP_POLICIES)}, "
                f"not {self.overlap!r}"
            )
        for name in ("initial_delay", "jitter"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0, not {value!r}")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(f"timeout must be > 0, not {self.timeout!r}")


DEFAULT_POLICY = TaskPolicy()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= ERROR_MAX else line[: ERROR_MAX - 3] + "..."


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


class _Task:
    """One task's schedule, its current run and its counters.

    Everything mutable is guarded by ``lock``; ``wake`` interrupts the
    scheduler's sleep (a run ended, or the runner stops).
    """

    def __init__(
        self,
        name: str,
        full_name: str,
        call: Callable[[Any], object],
        policy: TaskPolicy,
        first_due: float,
    ) -> None:
        self.name = name
        self.full_name = full_name
        self.call = call
        self.policy = policy
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.scheduler: threading.Thread | None = None
        self.threads: list[threading.Thread] = []  # runs not known to be over
        # schedule: ticks are first_due, then last_tick + spacing
        self.first_due = first_due
        self.last_tick: float | None = None
        self.queued = False
        # the current run
        self.running = False
        self.started = 0.0
        self.warned = False
        self.skips_this_run = 0
        # counters
        self.runs = 0
        self.failures = 0
        self.skipped = 0
        self.timeouts = 0
        self.last_duration: float | None = None
        self.last_started: str | None = None
        self.last_error: str | None = None
        self.last_ok: bool | None = None

    def due(self, spacing: float) -> float:
        return self.first_due if self.last_tick is None else self.last_tick + spacing

    def consume_ticks(self, now: float, spacing: float) -> int:
        """Advance past every tick due at ``now``; how many there were."""
        due = self.due(spacing)
        ticks = math.floor((now - due) / spacing) + 1
        self.last_tick = due + (ticks - 1) * spacing
        return ticks

    def snapshot(self, now: float, spacing: float | None) -> dict[str, Any]:
        if self.queued:
            next_run_in: float | None = 0.0
        elif spacing is None:
            next_run_in = None
        else:
            next_run_in = max(0.0, self.due(spacing) - now)
        return {
            "runs": self.runs,
            "failures": self.failures,
            "skipped": self.skipped,
            "timeouts": self.timeouts,
            "last_duration": _round(self.last_duration),
            "last_started": self.last_started,
            "last_error": self.last_error,
            "last_ok": self.last_ok,
            "running": self.running,
            "running_for": _round(now - self.started) if self.running else None,
            "next_run_in": _round(next_run_in),
            "spacing": spacing,
            "overlap": self.policy.overlap,
            "timeout": self.policy.timeout,
        }


class PeriodicRunner:
    """A manager's periodic tasks, each on its own schedule and thread.

    ``interval_max`` is the longest a task's scheduler sleeps before it
    reads the task's spacing again (a spacing changed at run time takes
    effect within it); ``fuzzy_delay`` is the default jitter of a task's
    first run. The task list is read at :meth:`start`.
    """

    def __init__(
        self,
        manager: "Manager",
        interval_max: float,
        fuzzy_delay: float = 0,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self._manager = manager
        self._interval_max = interval_max
        self._fuzzy_delay = fuzzy_delay
        self._rng = rng or random.Random()
        self._stopping = threading.Event()
        self._tasks: dict[str, _Task] = {}

    # -- set-up ---------------------------------------------------------------

    def start(self) -> None:
        started = time.monotonic()
        for name, func in list(self._manager._periodic_tasks):
            task = self._build(name, func, started)
            if task is not None:
                self._tasks[name] = task
        for task in self._tasks.values():
            task.scheduler = threading.Thread(
                target=self._schedule,
                args=(task,),
                name=f"periodic: {task.name}",
                daemon=True,
            )
            task.scheduler.start()

    def _build(self, name: str, func: Any, started: float) -> _Task | None:
        manager = self._manager
        full_name = f"{type(manager).__name__}.{name}"
        if not getattr(func, "_periodic_enabled", True):
            LOG.info("periodic task %s is disabled", full_name)
            return None
        if (
            getattr(func, "_periodic_external_ok", False)
            and not manager.conf.run_external_periodic_tasks
        ):
            LOG.info(
                "periodic task %s is left to an external process "
                "(run_external_periodic_tasks = false)",
                full_name,
            )
            return None
        spacing = self._spacing(name)
        if spacing is None:
            LOG.info("periodic task %s is disabled: negative spacing", full_name)
            return None
        policy = getattr(func, "_periodic_policy", None) or DEFAULT_POLICY
        initial = policy.initial_delay
        if initial is None:
            initial = 0.0 if getattr(func, "_periodic_immediate", False) else spacing
        jitter = self._fuzzy_delay if policy.jitter is None else policy.jitter
        if jitter > 0:
            initial += self._rng.uniform(0, jitter)
        if inspect.ismethod(func):  # added at run time as a bound method

            def call(context: Any) -> object:
                return func(context)

        else:  # collected by oslo's metaclass: a plain function

            def call(context: Any) -> object:
                return func(manager, context)

        LOG.debug(
            "periodic task %s: first run in %.1fs, then every %ss",
            full_name,
            initial,
            spacing,
        )
        return _Task(name, full_name, call, policy, started + initial)

    def _spacing(self, name: str) -> float | None:
        """The task's spacing now, with oslo's meaning of 0 and negatives."""
        raw = self._manager._periodic_spacing.get(name, 0)
        if raw < 0:
            return None
        return raw or oslo_periodic.DEFAULT_INTERVAL

    # -- the schedule ---------------------------------------------------------

    def _schedule(self, task: _Task) -> None:
        while not self._stopping.is_set():
            delay, launch = self._step(task, time.monotonic())
            if launch:
                self._launch(task)
                continue
            task.wake.wait(delay)
            # A set() between wait() and clear() is not lost: whoever sets
            # wake changed the task's state first, and _step reads it.
            task.wake.clear()

    def _step(self, task: _Task, now: float) -> tuple[float, bool]:
        """Decide what ``task`` does at ``now``: (seconds to sleep, launch?)."""
        spacing = self._spacing(task.name)
        with task.lock:
            if self._stopping.is_set():
                return 0.0, False
            if spacing is None:  # disabled at run time; look again later
                return self._interval_max, False
            if task.running:
                return self._while_running(task, now, spacing), False
            if task.queued:
                task.queued = False
            elif now >= task.due(spacing):
                task.consume_ticks(now, spacing)
            else:
                return min(task.due(spacing) - now, self._interval_max), False
            task.running = True
            task.started = now
            task.warned = False
            task.skips_this_run = 0
            task.last_started = timeutils.utcnow().isoformat(timespec="seconds") + "Z"
            return 0.0, True

    def _while_running(self, task: _Task, now: float, spacing: float) -> float:
        if now >= task.due(spacing):
            for _ in range(task.consume_ticks(now, spacing)):
                self._overlap(task, now)
        waits = [task.due(spacing) - now, self._interval_max]
        timeout = task.policy.timeout
        if timeout is not None and not task.warned:
            left = task.started + timeout - now
            if left > 0:
                waits.append(left)
            else:
                task.warned = True
                task.timeouts += 1
                LOG.warning(
                    "periodic task %s has been running for %.1fs, over its "
                    "timeout of %ss; a thread cannot be interrupted, so it "
                    "goes on",
                    task.full_name,
                    now - task.started,
                    timeout,
                )
        return max(0.0, min(waits))

    def _overlap(self, task: _Task, now: float) -> None:
        """A tick came due while ``task`` was still running."""
        if task.policy.overlap == QUEUE and not task.queued:
            task.queued = True
            LOG.debug(
                "periodic task %s still running at its next tick; queued",
                task.full_name,
            )
            return
        task.skipped += 1
        task.skips_this_run += 1
        LOG.log(
            logging.INFO if task.skips_this_run == 1 else logging.DEBUG,
            "periodic task %s still running after %.1fs at its next tick; "
            "skipping the tick",
            task.full_name,
            now - task.started,
        )

    def _launch(self, task: _Task) -> None:
        thread = threading.Thread(
            target=self._run,
            args=(task,),
            name=f"periodic run: {task.name}",
            daemon=True,
        )
        # The previous run's thread may still be on its last lines.
        task.threads = [t for t in task.threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, task: _Task) -> None:
        error: str | None = None
        ok = False
        try:
            LOG.debug("running periodic task %s", task.full_name)
            task.call(oslo_context.get_admin_context())
            ok = True
        except Exception as exc:
            error = _one_line(exc)
            # oslo.service's wording, which operators' log alerts may match
            LOG.exception("Error during %s", task.full_name)
        except BaseException as exc:  # GreenletExit, SystemExit: record, re-raise
            error = _one_line(exc)
            raise
        finally:
            with task.lock:
                duration = time.monotonic() - task.started
                task.running = False
                task.runs += 1
                task.last_duration = duration
                task.last_ok = ok
                if not ok:
                    task.failures += 1
                    task.last_error = error
                warned = task.warned
            if warned:
                LOG.info(
                    "periodic task %s finished after %.1fs (timeout %ss)",
                    task.full_name,
                    duration,
                    task.policy.timeout,
                )
            task.wake.set()

    # -- status and shutdown ------------------------------------------------

    def status(self) -> dict[str, dict[str, Any]]:
        """Per-task counters and schedule, JSON-ready, keyed by task name.

        ``runs`` counts finished runs, failed ones included; durations and
        ``next_run_in`` are seconds; ``last_started`` is ISO 8601 UTC.
        """
        now = time.monotonic()
        found = {}
        for name, task in self._tasks.items():
            spacing = self._spacing(name)
            with task.lock:
                found[name] = task.snapshot(now, spacing)
        return found

    def stop(self) -> None:
        """No new runs (a queued one is dropped); running ones go on."""
        self._stopping.set()
        for task in self._tasks.values():
            task.wake.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Join the schedulers and the runs still going; True if all ended.

        A run cannot be interrupted: a stuck one is waited for until
        ``timeout`` (forever with None; the service's clean-up deadline
        cuts it).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        now = time.monotonic()
        going = [
            f"{t.full_name} ({now - t.started:.1f}s)"
            for t in self._tasks.values()
            if t.running
        ]
        if going:
            LOG.info("waiting for periodic task(s) still running: %s", ", ".join(going))
        # Schedulers first: once they have ended, no run can start any more.
        schedulers = [t.scheduler for t in self._tasks.values() if t.scheduler]
        for thread in schedulers:
            thread.join(_left(deadline))
        runs = [thread for task in self._tasks.values() for thread in task.threads]
        for thread in runs:
            thread.join(_left(deadline))
        return not any(thread.is_alive() for thread in [*schedulers, *runs])


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())
