"""A service started in-process through launcher.testing, as users do."""

import logging
import threading

import oslo_messaging
import pytest
from oslo_context import context as oslo_context

from launcher import errors
from launcher import manager as svc_manager
from launcher import service as service_module
from launcher.definition import ServiceDefinition
from launcher.heartbeat import Heartbeat
from launcher.testing import fixtures as svc_fixtures
from launcher.testing import wait_for


@pytest.fixture
def echo(svc_launch_service):
    return svc_launch_service(
        "test-echo", host="unit-host", overrides={"report_interval": 1}
    )


def test_rpc_round_trip_on_fake_transport(echo):
    client = echo.rpc_client()
    assert client.call({}, "echo", value=[1, 2]) == [1, 2]
    assert client.call({}, "whoami")["host"] == "unit-host"


def test_request_id_crosses_rpc(echo):
    ctxt = oslo_context.RequestContext(
        request_id="req-11111111-2222-3333-4444-555555555555",
        global_request_id="req-99999999-2222-3333-4444-555555555555",
    )
    seen = echo.rpc_client().call(ctxt, "request_ids")
    assert seen == {"local": ctxt.request_id, "global": ctxt.global_request_id}


def test_lifecycle_hooks_are_not_endpoints(echo):
    with pytest.raises(oslo_messaging.NoSuchMethod):
        echo.rpc_client().call({}, "init_host")
    with pytest.raises(oslo_messaging.NoSuchMethod):
        echo.rpc_client().call({}, "cleanup_host")


def test_periodic_tasks_run_despite_a_failing_one(echo, caplog):
    caplog.set_level(logging.ERROR)
    wait_for(lambda: echo.manager.ticks >= 2, timeout=10, what="two ticks")
    assert any("broken_task" in r.getMessage() for r in caplog.records)


def test_heartbeat_row_written(echo):
    wait_for(
        lambda: echo.database.get_service("unit-host", "test-echo") or None,
        timeout=5,
        what="heartbeat row",
    )
    row = echo.database.get_service("unit-host", "test-echo")
    assert row.topic == "test-echo" and row.report_count >= 1


def test_testtools_style_use():
    import testtools

    class Case(testtools.TestCase):
        def test_it(self):
            svc = self.useFixture(svc_fixtures.ServiceFixture("test-echo"))
            self.assertEqual(3, svc.rpc_client().call({}, "echo", value=3))

    result = testtools.TestResult()
    Case("test_it").run(result)
    assert result.wasSuccessful(), result.errors


class FlakyStore:
    def __init__(self):
        self.down = True
        self.calls = 0

    def heartbeat(self, host, binary, topic):
        self.calls += 1
        if self.down:
            raise errors.DatabaseUnavailable("cannot reach database x: refused")


def test_database_outage_logged_once_and_retried(caplog):
    caplog.set_level(logging.INFO, logger="launcher.heartbeat")
    store = FlakyStore()
    beat = Heartbeat(store, "h", "b", "t", interval=60)
    assert beat.beat() is False
    assert beat.beat() is False
    store.down = False
    assert beat.beat() is True
    messages = [r.getMessage() for r in caplog.records]
    assert sum("heartbeat failed" in m for m in messages) == 1
    assert sum("reached the database again" in m for m in messages) == 1
    assert store.calls == 3


class SlowTaskManager(svc_manager.Manager):
    """A periodic task that blocks for a long time must not block RPC."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.task_started = threading.Event()
        self.release = threading.Event()

    def ping(self, context):
        return "pong"

    @svc_manager.periodic(spacing=1, run_immediately=True)
    def stuck(self, context):
        self.task_started.set()
        self.release.wait(30)


SLOW_TASK = ServiceDefinition(
    binary="test-slowtask",
    topic="test-slowtask",
    manager=f"{__name__}.SlowTaskManager",
)


def test_slow_periodic_task_blocks_neither_rpc_nor_heartbeat(svc_launch_service):
    svc = svc_launch_service(
        "test-slowtask", definition=SLOW_TASK, overrides={"report_interval": 1}
    )
    manager = svc.manager
    try:
        assert manager.task_started.wait(10)
        assert svc.rpc_client(timeout=5).call({}, "ping") == "pong"
        first = svc.database.get_service("test-host", "test-slowtask").report_count
        wait_for(
            lambda: (
                svc.database.get_service("test-host", "test-slowtask").report_count
                > first
            ),
            timeout=5,
            what="a heartbeat while the task is stuck",
        )
    finally:
        manager.release.set()


class StuckCleanupManager(svc_manager.Manager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.release = threading.Event()

    def ping(self, context):
        return "pong"

    def cleanup_host(self):
        self.release.wait(30)


STUCK_CLEANUP = ServiceDefinition(
    binary="test-stuckcleanup",
    topic="test-stuckcleanup",
    manager=f"{__name__}.StuckCleanupManager",
)


def test_stop_is_two_phases_and_names_what_it_cut(svc_launch_service, caplog):
    svc = svc_launch_service(
        "test-stuckcleanup",
        definition=STUCK_CLEANUP,
        overrides={"supervisor.cleanup_timeout": 1},
    )
    service, manager = svc.service, svc.manager
    assert svc.rpc_client().call({}, "ping") == "pong"
    try:
        service.stop(graceful=True)
        service.wait()
        assert service.cut == ["cleanup_host"]
        assert any(
            "clean-up: cleanup_host still running" in r.getMessage()
            for r in caplog.records
        )
    finally:
        manager.release.set()


def test_deadline_runs_steps_and_reports_failures(caplog):
    from launcher.deadline import Deadline

    deadline = Deadline(5, "drain")
    assert deadline.run("quick", lambda: None)

    def broken():
        raise RuntimeError("boom")

    assert deadline.run("broken", broken)  # finished, though it failed
    assert deadline.cut == []
    assert any("drain: broken failed: boom" in r.getMessage() for r in caplog.records)


FORKED: list[object] = []


def record_fork(conf) -> None:
    FORKED.append(conf)


def test_post_fork_hooks_run_with_the_service_conf(svc_launch_service):
    definition = ServiceDefinition(
        binary="test-hooked",
        topic="test-hooked",
        manager="svc_launch_testsvc.managers.EchoManager",
        post_fork=("tests.unit.test_service:record_fork",),
    )
    service = svc_launch_service("test-hooked", definition=definition).service
    FORKED.clear()
    service.post_fork()
    assert FORKED == [service.conf]


def test_an_unimportable_post_fork_hook_is_a_one_line_definition_error():
    with pytest.raises(errors.DefinitionLoadError, match="post-fork hook") as info:
        service_module.import_hook("tests.unit.no_such_module:hook")
    assert "\n" not in str(info.value)


class SilentWatch:
    consumed = True

    def __init__(self, silent: float) -> None:
        self.silent = silent

    def silent_for(self) -> float:
        return self.silent

    def wait_consuming(self, timeout: float) -> bool:
        return True


@pytest.mark.parametrize(
    ("silent", "limit", "deaf"), [(91, 90, True), (89, 90, False), (1000, 0, False)]
)
def test_an_rpc_server_silent_past_the_window_is_unhealthy(echo, silent, limit, deaf):
    service = echo.service
    service.conf.set_override("rpc_deaf_timeout", limit, group="supervisor")
    service._consume_watch = SilentWatch(silent)
    try:
        reason = service.health()
    finally:
        service._consume_watch = None
    assert (reason is not None) == deaf
    if deaf:
        assert "has not consumed from the broker for 91s" in reason


def test_started_services_are_ready(echo):
    assert echo.service.wait_ready(5)


def test_rpc_messages_in_flight_are_counted(echo):
    client = echo.rpc_client()
    done = threading.Event()
    caller = threading.Thread(
        target=lambda: (client.call({}, "slow", seconds=1), done.set())
    )
    caller.start()
    wait_for(lambda: echo.service._rpc_in_flight.count == 1, what="call in flight")
    assert "1 RPC messages" in echo.service.in_flight_summary()
    caller.join(10)
    assert done.is_set()
    wait_for(lambda: echo.service._rpc_in_flight.count == 0, what="call done")
