"""The supervisor's decisions that need no fork to check."""

import signal
import threading

import pytest
from oslo_service.backend.base import ServiceBase

from launcher import backend, config, errors, supervisor
from launcher.signals import SignalPipe


class Idle(ServiceBase):
    def start(self):
        pass

    def stop(self, graceful=False):
        pass

    def wait(self):
        pass

    def reset(self):
        pass


@pytest.fixture
def conf():
    conf = config.new_conf()
    conf([], default_config_files=[])
    return conf


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "exit code 0 (clean exit)"),
        (3, "exit code 3 (configuration error)"),
        (4, "exit code 4 (application load error)"),
        (-9, "killed by SIGKILL"),
    ],
)
def test_exit_codes_are_described(code, text):
    assert supervisor.describe_exit(code) == text


def test_refuses_to_fork_with_native_threads_running(conf):
    if backend.is_eventlet():
        pytest.skip("green threads are safe to fork; the check is for threading")
    launcher = supervisor.ProcessLauncher(conf)
    launcher.launch_service(Idle(), workers=1, name="idle")
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="stray-thread")
    thread.start()
    try:
        with pytest.raises(errors.LaunchError, match="stray-thread"):
            launcher.wait()
    finally:
        release.set()
        thread.join()


def test_start_failures_back_off_then_give_up(conf):
    conf.set_override("respawn_max_tries", 3, group="supervisor")
    now = [100.0]
    launcher = supervisor.ProcessLauncher(conf, clock=lambda: now[0])
    group = supervisor.Group("svc", Idle(), lambda: 1)
    launcher._running = True
    launcher._on_start_failure(group, errors.EXIT_RUNTIME, "exit code 1")
    launcher._on_start_failure(group, errors.EXIT_RUNTIME, "exit code 1")
    assert [round(t - now[0], 2) for t in group.pending] == [0.1, 0.2]
    launcher._on_start_failure(group, errors.EXIT_RUNTIME, "exit code 1")
    assert isinstance(launcher.fatal, errors.CrashLoop)
    assert "svc: a worker died at start-up 3 times" in str(launcher.fatal)


def test_failures_outside_the_window_are_forgotten(conf):
    conf.set_override("respawn_max_tries", 2, group="supervisor")
    now = [0.0]
    launcher = supervisor.ProcessLauncher(conf, clock=lambda: now[0])
    group = supervisor.Group("svc", Idle(), lambda: 1)
    launcher._running = True
    launcher._on_start_failure(group, errors.EXIT_RUNTIME, "exit code 1")
    now[0] = conf.supervisor.respawn_window + 1
    launcher._on_start_failure(group, errors.EXIT_RUNTIME, "exit code 1")
    assert launcher.fatal is None


def test_config_error_at_start_is_fatal_at_once(conf):
    launcher = supervisor.ProcessLauncher(conf)
    group = supervisor.Group("svc", Idle(), lambda: 1)
    launcher._running = True
    launcher._on_start_failure(group, errors.EXIT_WORKER_CONFIG, "exit code 3")
    assert "will not be retried" in str(launcher.fatal)


def test_signal_pipe_queues_without_a_real_signal():
    pipe = SignalPipe()
    try:
        pipe.send(signal.SIGHUP)
        pipe.send(signal.SIGTERM)
        assert pipe.drain() == [signal.SIGHUP, signal.SIGTERM]
        assert pipe.drain() == []
    finally:
        pipe.close()


class RecordingNotifier:
    enabled = True

    def __init__(self):
        self.sent = []

    def send(self, *fields):
        self.sent.extend(fields)

    def watchdog(self, healthy, now=None):
        pass


def test_status_is_sent_whenever_the_ready_count_changes(conf):
    notifier = RecordingNotifier()
    launcher = supervisor.ProcessLauncher(conf, notifier=notifier)
    group = supervisor.Group("svc", Idle(), lambda: 2)
    launcher._groups.append(group)
    worker = supervisor.Worker(pid=1, group=group, ready_fd=-1, started=0.0)
    launcher._workers[1] = worker
    launcher._report_status()
    launcher._report_status()
    worker.ready = True
    launcher._report_status("reloading, ")
    assert notifier.sent == [
        "STATUS=workers ready: svc: 0/2",
        "STATUS=reloading, workers ready: svc: 1/2",
    ]
