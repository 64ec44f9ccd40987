"""The periodic task scheduler: policy, isolation, counters and shutdown.

Timing is real but small (spacings of tenths of a second); tests wait by
polling with a deadline (``wait_for``) or on Events, never by sleeping.
"""

import collections
import datetime
import logging
import queue
import random
import threading
import time

import pytest
from oslo_config import cfg
from oslo_service import periodic_task
from oslo_utils import timeutils

from launcher import errors
from launcher.heartbeat import Heartbeat
from launcher.manager import Manager, periodic
from launcher.periodic import PeriodicRunner, TaskPolicy
from launcher.testing import wait_for

COUNTERS = {
    "runs",
    "failures",
    "skipped",
    "timeouts",
    "last_duration",
    "last_started",
    "last_error",
    "last_ok",
    "running",
    "running_for",
    "next_run_in",
    "spacing",
    "overlap",
    "timeout",
}


def poll(predicate, timeout=10.0, what="condition"):
    return wait_for(predicate, timeout=timeout, what=what, interval=0.01)


def new_conf() -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[])
    return conf


class Base(Manager):
    """Records when each task started; ``gate`` holds runs that wait on it."""

    def __init__(self) -> None:
        super().__init__(new_conf(), "host", "binary", "topic")
        self.starts: dict[str, list[float]] = collections.defaultdict(list)
        self.gate = threading.Event()

    def mark(self, name: str) -> int:
        self.starts[name].append(time.monotonic())
        return len(self.starts[name])

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def start():
    """Start a runner on a manager; every one is stopped and joined after."""
    started: list[tuple[PeriodicRunner, Base]] = []

    def run(manager: Base, **kwargs) -> PeriodicRunner:
        kwargs.setdefault("interval_max", 60)
        runner = PeriodicRunner(manager, **kwargs)
        started.append((runner, manager))
        runner.start()
        return runner

    yield run
    for runner, manager in started:
        runner.stop()
        manager.release()
    for runner, _ in started:
        assert runner.wait(10), "periodic threads outlived the test"


def task_status(runner: PeriodicRunner, name: str) -> dict:
    return runner.status()[name]


# -- when the first run happens -----------------------------------------------


class Late(Base):
    @periodic(spacing=0.5, jitter=0)
    def late(self, context):
        self.mark("late")


def test_first_run_is_counted_from_start_not_from_import(start):
    manager = Late()
    # oslo.service's own baseline is the decorator's import-time clock: as
    # if the module had been imported an hour ago, its loop runs it at once.
    manager._periodic_last_run["late"] = time.monotonic() - 3600
    began = time.monotonic()
    runner = start(manager)
    assert 0.4 < task_status(runner, "late")["next_run_in"] <= 0.5
    poll(lambda: manager.starts["late"], what="first run")
    assert manager.starts["late"][0] - began >= 0.5


class Immediate(Base):
    @periodic(spacing=60, run_immediately=True, jitter=0)
    def now(self, context):
        self.mark("now")

    @periodic(spacing=60, initial_delay=0.2, jitter=0)
    def soon(self, context):
        self.mark("soon")


def test_run_immediately_and_initial_delay(start):
    manager = Immediate()
    began = time.monotonic()
    runner = start(manager)
    poll(lambda: manager.starts["now"] and manager.starts["soon"], what="runs")
    assert manager.starts["soon"][0] - began >= 0.2
    status = runner.status()
    # later ticks follow every spacing from the first run
    assert 55 < status["now"]["next_run_in"] <= 60
    assert 55 < status["soon"]["next_run_in"] <= 60


class Jittered(Base):
    @periodic(spacing=100)
    def default(self, context):
        pass

    @periodic(spacing=100, jitter=3)
    def own(self, context):
        pass

    @periodic(spacing=100, jitter=0)
    def none(self, context):
        pass


class Highest(random.Random):
    """Always the top of the range, and remembers what it was asked."""

    def __init__(self) -> None:
        super().__init__(0)
        self.asked: list[tuple[float, float]] = []

    def uniform(self, a, b):
        self.asked.append((a, b))
        return b


def test_jitter_defaults_to_fuzzy_delay_and_a_task_overrides_it(start):
    rng = Highest()
    status = start(Jittered(), fuzzy_delay=7, rng=rng).status()
    assert 106.5 < status["default"]["next_run_in"] <= 107
    assert 102.5 < status["own"]["next_run_in"] <= 103
    assert 99.5 < status["none"]["next_run_in"] <= 100
    assert sorted(rng.asked) == [(0, 3), (0, 7)]


def test_jitter_stays_within_its_bounds(start):
    tasks = {
        f"t{i}": periodic(spacing=100, jitter=5, name=f"t{i}")(lambda self, c: None)
        for i in range(20)
    }
    many = type("Many", (Base,), tasks)
    status = start(many(), rng=random.Random(42)).status()
    delays = [s["next_run_in"] for s in status.values()]
    assert len(delays) == 20
    assert all(99.5 < d <= 105 for d in delays), delays
    assert max(delays) - min(delays) > 1  # spread, not one shared delay


# -- overlap --------------------------------------------------------------------

SPACING = 0.4


class Overlapping(Base):
    """The first run blocks on the gate; later ones return at once."""

    def work(self, name: str) -> None:
        if self.mark(name) == 1:
            self.gate.wait(30)

    @periodic(spacing=SPACING, run_immediately=True, jitter=0)
    def skipper(self, context):
        self.work("skipper")

    @periodic(spacing=SPACING, run_immediately=True, jitter=0, overlap="queue")
    def queuer(self, context):
        self.work("queuer")


def ticks_between(first: float, later: float) -> float:
    return (later - first) / SPACING


def test_skip_waits_for_the_next_tick(start):
    manager = Overlapping()
    manager.set_periodic_spacing(queuer=-1)  # this test is about skipper
    runner = start(manager)
    poll(lambda: task_status(runner, "skipper")["skipped"] >= 2, what="2 skips")
    status = task_status(runner, "skipper")
    assert status["running"] and status["runs"] == 0
    assert len(manager.starts["skipper"]) == 1  # no second run alongside
    released = time.monotonic()
    manager.gate.set()
    poll(lambda: len(manager.starts["skipper"]) >= 2, what="second run")
    first, second = manager.starts["skipper"][:2]
    # not right after the slow run, but on the schedule's next tick
    assert second - released > SPACING / 2
    assert (
        abs(ticks_between(first, second) - round(ticks_between(first, second))) < 0.25
    )
    status = task_status(runner, "skipper")
    assert status["skipped"] >= 2 and status["runs"] >= 1


def test_queue_runs_once_right_after_the_slow_run(start):
    manager = Overlapping()
    manager.set_periodic_spacing(skipper=-1)
    runner = start(manager)
    # two ticks during the run: the first is queued, the second skipped
    poll(lambda: task_status(runner, "queuer")["skipped"] >= 1, what="a skip")
    assert task_status(runner, "queuer")["next_run_in"] == 0  # one is queued
    released = time.monotonic()
    manager.gate.set()
    poll(lambda: len(manager.starts["queuer"]) >= 3, what="queued run and next")
    first, queued, third = manager.starts["queuer"][:3]
    assert queued - released < SPACING / 2  # at once, not on a tick
    assert third - queued > SPACING / 2  # only one was queued
    assert abs(ticks_between(first, third) - round(ticks_between(first, third))) < 0.25


# -- timeouts, failures, isolation ----------------------------------------------


class Overdue(Base):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: queue.Queue = queue.Queue()

    def release(self) -> None:
        super().release()
        for _ in range(5):
            self.tokens.put(None)

    @periodic(spacing=0.1, run_immediately=True, jitter=0, timeout=0.2)
    def overdue(self, context):
        self.mark("overdue")
        self.tokens.get(timeout=30)


def timeout_warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "over its timeout" in r.getMessage()
    ]


def test_timeout_is_logged_once_per_run_and_counted(start, caplog):
    caplog.set_level(logging.INFO, logger="launcher.periodic")
    manager = Overdue()
    runner = start(manager)
    poll(lambda: task_status(runner, "overdue")["timeouts"] == 1, what="timeout")
    poll(
        lambda: (task_status(runner, "overdue")["running_for"] or 0) > 0.6,
        what="three timeouts' worth of running",
    )
    (warning,) = timeout_warnings(caplog)
    assert "Overdue.overdue" in warning and "timeout of 0.2s" in warning
    assert "running for" in warning and "cannot be interrupted" in warning
    manager.tokens.put(None)
    poll(lambda: task_status(runner, "overdue")["runs"] == 1, what="first run ends")
    assert any(
        "Overdue.overdue finished after" in r.getMessage() for r in caplog.records
    )
    poll(lambda: task_status(runner, "overdue")["timeouts"] == 2, what="2nd timeout")
    assert len(timeout_warnings(caplog)) == 2
    status = task_status(runner, "overdue")
    assert status["failures"] == 0 and status["last_duration"] > 0.2


class Broken(Base):
    @periodic(spacing=0.05, run_immediately=True, jitter=0)
    def broken(self, context):
        self.mark("broken")
        raise RuntimeError("boom\non two lines")


def test_a_failing_run_is_logged_counted_and_the_schedule_goes_on(start, caplog):
    caplog.set_level(logging.ERROR, logger="launcher.periodic")
    manager = Broken()
    runner = start(manager)
    poll(lambda: task_status(runner, "broken")["failures"] >= 3, what="3 failures")
    status = task_status(runner, "broken")
    assert status["runs"] >= 3 and status["last_ok"] is False
    assert status["last_error"] == "RuntimeError: boom on two lines"
    failed = [
        r for r in caplog.records if r.getMessage() == "Error during Broken.broken"
    ]
    assert failed and failed[0].exc_info is not None


class Mixed(Base):
    # Declared first: oslo's serial loop would never get past it.
    @periodic(spacing=0.05, run_immediately=True, jitter=0, timeout=0.1)
    def stuck(self, context):
        self.mark("stuck")
        self.gate.wait(30)

    @periodic(spacing=0.05, run_immediately=True, jitter=0)
    def fast(self, context):
        self.mark("fast")


def test_a_stuck_task_does_not_delay_another(start):
    manager = Mixed()
    runner = start(manager)
    poll(lambda: manager.starts["stuck"], what="stuck task started")
    seen = len(manager.starts["fast"])
    poll(lambda: len(manager.starts["fast"]) >= seen + 10, what="10 more fast runs")
    status = runner.status()
    assert status["stuck"]["running"] and len(manager.starts["stuck"]) == 1
    assert status["fast"]["runs"] >= 10 and not status["fast"]["timeouts"]


def periodic_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("periodic")]


def test_stop_and_wait_end_every_thread(start, caplog):
    caplog.set_level(logging.INFO, logger="launcher.periodic")
    manager = Mixed()
    runner = start(manager)
    poll(lambda: manager.starts["stuck"] and manager.starts["fast"], what="runs")
    assert len(periodic_threads()) >= 3  # two schedulers, at least one run
    runner.stop()
    assert runner.wait(0.2) is False  # the stuck run cannot be interrupted
    assert any("still running: Mixed.stuck" in r.getMessage() for r in caplog.records)
    fast_runs = len(manager.starts["fast"])
    manager.gate.set()
    assert runner.wait(10) is True
    assert periodic_threads() == []
    assert len(manager.starts["fast"]) == fast_runs  # nothing ran after stop
    assert not runner.status()["stuck"]["running"]


# -- counters and spacing -------------------------------------------------------


class Counted(Base):
    @periodic(spacing=30, run_immediately=True, jitter=0, overlap="queue", timeout=9)
    def counted(self, context):
        self.mark("counted")


def test_counters_after_a_run(start):
    manager = Counted()
    runner = start(manager)
    poll(lambda: task_status(runner, "counted")["runs"] == 1, what="one run")
    status = runner.status()
    assert set(status) == {"counted"}
    counted = status["counted"]
    assert set(counted) == COUNTERS
    assert (counted["failures"], counted["skipped"], counted["timeouts"]) == (0, 0, 0)
    assert counted["last_ok"] is True and counted["last_error"] is None
    assert counted["running"] is False and counted["running_for"] is None
    assert 0 <= counted["last_duration"] < 5
    assert 25 < counted["next_run_in"] <= 30
    assert (counted["spacing"], counted["overlap"], counted["timeout"]) == (
        30,
        "queue",
        9,
    )
    started = datetime.datetime.fromisoformat(counted["last_started"].rstrip("Z"))
    assert abs((timeutils.utcnow() - started).total_seconds()) < 60


class Spaced(Base):
    @periodic(spacing=100, jitter=0)
    def shadowed(self, context):
        pass

    @periodic(spacing=100, jitter=0)
    def default(self, context):
        pass

    @periodic(spacing=100, jitter=0)
    def off(self, context):
        pass

    @periodic(spacing=100, jitter=0, external_process_ok=True)
    def external(self, context):
        pass

    @periodic(spacing=-1)
    def never(self, context):  # oslo leaves it out at class creation
        pass

    @periodic(spacing=100, enabled=False)
    def disabled(self, context):
        pass


def test_spacing_follows_the_instance_and_oslo_meanings(start, caplog):
    caplog.set_level(logging.INFO, logger="launcher.periodic")
    manager = Spaced()
    manager.set_periodic_spacing(shadowed=5, default=0, off=-1)
    manager.conf.set_override("run_external_periodic_tasks", False)
    status = start(manager).status()
    assert set(status) == {"shadowed", "default"}
    assert status["shadowed"]["spacing"] == 5
    assert 4.5 < status["shadowed"]["next_run_in"] <= 5
    assert status["default"]["spacing"] == periodic_task.DEFAULT_INTERVAL
    assert Spaced._periodic_spacing["shadowed"] == 100  # the class is intact
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "Spaced.off is disabled: negative spacing" in messages
    assert "Spaced.external is left to an external process" in messages


# -- the decorator ---------------------------------------------------------------


class Decorated(Base):
    @periodic
    def bare(self, context):
        pass

    @periodic(
        spacing=5,
        run_immediately=True,
        initial_delay=2,
        jitter=1,
        overlap="queue",
        timeout=3,
        name="renamed",
    )
    def full(self, context):
        pass

    @periodic_task.periodic_task(spacing=7)
    def plain_oslo(self, context):
        pass


def test_decorator_keeps_oslo_attributes_and_adds_the_policy(start):
    assert Decorated.bare._periodic_task and Decorated.bare._periodic_enabled
    assert Decorated._periodic_spacing["bare"] == periodic_task.DEFAULT_INTERVAL
    assert Decorated.bare._periodic_policy == TaskPolicy()
    full = Decorated.full
    assert (full._periodic_name, full._periodic_spacing) == ("renamed", 5)
    assert full._periodic_immediate is True
    assert full._periodic_policy == TaskPolicy(
        initial_delay=2, jitter=1, overlap="queue", timeout=3
    )
    assert [name for name, _ in Decorated._periodic_tasks] == [
        "bare",
        "renamed",
        "plain_oslo",
    ]
    status = start(Decorated(), rng=Highest()).status()
    assert status["plain_oslo"]["overlap"] == "skip"  # oslo's own: defaults
    assert 2.5 < status["renamed"]["next_run_in"] <= 3  # initial 2 + jitter 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"overlap": "parallel"}, "overlap must be one of skip, queue"),
        ({"timeout": 0}, "timeout must be > 0"),
        ({"jitter": -1}, "jitter must be >= 0"),
        ({"initial_delay": -0.5}, "initial_delay must be >= 0"),
    ],
)
def test_a_bad_policy_fails_when_the_class_is_defined(options, message):
    with pytest.raises(ValueError, match=message):

        class Bad(Base):
            @periodic(spacing=1, **options)
            def task(self, context):
                pass


def test_a_bound_method_added_at_run_time_is_called(start):
    class Adder(Base):
        def added(self, context):
            self.mark("added")

    periodic(spacing=60, run_immediately=True, jitter=0)(Adder.added)
    manager = Adder()
    manager.add_periodic_task(manager.added)  # bound: oslo's loop would fail
    start(manager)
    poll(lambda: manager.starts["added"], what="the added task")


# -- heartbeat and service --------------------------------------------------------


class Store:
    def __init__(self) -> None:
        self.beats: list[tuple] = []

    def heartbeat(self, host, binary, topic, **extra):
        self.beats.append((host, binary, topic, extra))


def test_heartbeat_stores_the_periodic_status():
    store = Store()
    counters = {"tick": {"runs": 1}}
    assert Heartbeat(store, "h", "b", "t", 60, periodic_status=lambda: counters).beat()
    assert Heartbeat(store, "h", "b", "t", 60).beat()
    assert store.beats == [
        ("h", "b", "t", {"periodic_tasks": counters}),
        ("h", "b", "t", {}),  # a store without the keyword still works
    ]


def test_a_failing_status_does_not_stop_the_heartbeat(caplog):
    store = Store()

    def broken():
        raise errors.LaunchError("no status")

    assert Heartbeat(store, "h", "b", "t", 60, periodic_status=broken).beat()
    assert store.beats == [("h", "b", "t", {})]
    assert any("periodic tasks' status" in r.getMessage() for r in caplog.records)


def test_service_publishes_its_tasks_through_the_heartbeat(svc_launch_service):
    echo = svc_launch_service("test-echo", overrides={"report_interval": 1})

    def published():
        row = echo.database.get_service("test-host", "test-echo")
        tasks = (row.periodic_tasks or {}) if row else {}
        ticked = tasks.get("tick", {}).get("runs", 0) >= 1
        return tasks if ticked and tasks["broken_task"]["failures"] >= 1 else None

    tasks = poll(published, what="counters in the services row")
    assert set(tasks["tick"]) == COUNTERS
    assert tasks["broken_task"]["last_error"].startswith("RuntimeError: ")
    assert set(echo.service.periodic_status()) == {"tick", "broken_task"}


def test_no_periodic_tasks_no_counters(svc_launch_service):
    echo = svc_launch_service("test-echo", overrides={"periodic_enable": False})
    row = echo.database.get_service("test-host", "test-echo")
    assert row is not None and row.periodic_tasks is None
    assert echo.service.periodic_status() == {}
