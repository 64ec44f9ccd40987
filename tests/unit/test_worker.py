"""A worker's life after fork, run in this process with the fork parts stubbed."""

import logging
import os
import select
import signal

import pytest

from launcher import errors, worker
from launcher.signals import SignalPipe


class QuietPipe(SignalPipe):
    """A SignalPipe that leaves the test process's own handlers alone."""

    last: "QuietPipe | None" = None

    def install(self, signums):
        QuietPipe.last = self


class Scripted:
    """A service whose readiness and health the test scripts, call by call."""

    def __init__(self, ready_after=0, unhealthy_after=None, on_wait_ready=None):
        self.calls: list[str] = []
        self.ready_after = ready_after
        self.unhealthy_after = unhealthy_after
        self.on_wait_ready = on_wait_ready
        self.ready_checks = 0
        self.health_checks = 0

    def post_fork(self):
        self.calls.append("post_fork")

    def start(self):
        self.calls.append("start")

    def wait_ready(self, timeout):
        self.ready_checks += 1
        if self.on_wait_ready:
            self.on_wait_ready(self)
        return self.ready_checks > self.ready_after

    def health(self):
        self.health_checks += 1
        if self.unhealthy_after is not None:
            if self.health_checks > self.unhealthy_after:
                return "the RPC server has gone deaf"
        return None

    def stop(self, graceful=True):
        self.calls.append("stop")

    def wait(self):
        self.calls.append("wait")

    def reset(self):
        pass


@pytest.fixture
def in_process(monkeypatch):
    monkeypatch.setattr(worker, "SignalPipe", QuietPipe)
    monkeypatch.setattr(worker, "_die_with_parent", lambda pid: None)
    monkeypatch.setattr(worker, "_after_fork", lambda: None)
    monkeypatch.setattr(worker, "_start_heartbeat", lambda fd, interval: None)
    previous = signal.getsignal(signal.SIGINT)
    read_fd, write_fd = os.pipe()

    def run(service, interval=0.01):
        return worker.run(service, write_fd, os.getppid(), 5, interval)

    def written() -> bytes:
        # select first: eventlet's os.read waits on an empty pipe.
        if not select.select([read_fd], [], [], 0)[0]:
            return b""
        return os.read(read_fd, 64)

    yield run, written
    signal.signal(signal.SIGINT, previous)
    signal.alarm(0)
    os.close(read_fd)
    os.close(write_fd)


def test_ready_is_reported_only_once_intake_works(in_process):
    run, written = in_process
    seen_before_ready = []

    def check(service):
        if service.ready_checks <= 3:
            seen_before_ready.append(written())

    service = Scripted(ready_after=3, unhealthy_after=0, on_wait_ready=check)
    assert run(service) == errors.EXIT_RPC_LOST
    assert seen_before_ready == [b"", b"", b""]
    assert written() == worker.READY


def test_post_fork_runs_before_start(in_process):
    run, _ = in_process
    service = Scripted(unhealthy_after=0)
    run(service)
    assert service.calls[:2] == ["post_fork", "start"]


def test_a_deaf_worker_drains_then_exits_with_its_own_code(in_process, caplog):
    run, _ = in_process
    service = Scripted(unhealthy_after=2)
    with caplog.at_level(logging.ERROR, logger="launcher.worker"):
        assert run(service) == errors.EXIT_RPC_LOST
    assert service.calls[-2:] == ["stop", "wait"]
    assert "has gone deaf; restarting this worker" in caplog.text


def test_sigterm_while_waiting_for_readiness_drains_without_ready(in_process):
    run, written = in_process

    def stop_on_third(service):
        if service.ready_checks == 3:
            QuietPipe.last.send(signal.SIGTERM)

    service = Scripted(ready_after=1000, on_wait_ready=stop_on_third)
    assert run(service) == errors.EXIT_OK
    assert written() == b""
    assert service.calls[-2:] == ["stop", "wait"]


def test_sigterm_when_ready_drains_and_exits_0(in_process):
    run, written = in_process

    def stop_when_ready(service):
        QuietPipe.last.send(signal.SIGTERM)

    service = Scripted(on_wait_ready=stop_when_ready)
    assert run(service) == errors.EXIT_OK
    assert written() == worker.READY
    assert service.health_checks == 0
