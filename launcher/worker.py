"""The life of one worker process, from fork to exit.

The exit code is a protocol with the supervisor (see launcher.errors):
3 means the worker found a config error and 4 that it could not build its
application, both of which will recur on every respawn; 1 is a runtime
failure worth retrying; 0 is a clean, requested stop.
"""

import ctypes
import logging
import os
import random
import select
import signal
import sys
import threading
import time

from oslo_service.backend.base import ServiceBase

from launcher import backend, errors
from launcher.signals import SignalPipe

LOG = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
READY = b"R"
HEARTBEAT = b"H"


def _die_with_parent(parent_pid: int) -> None:
    """Ask the kernel for SIGTERM when the parent dies, then close the race."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux
        LOG.debug("prctl unavailable; only the parent's own stop ends workers")
    if os.getppid() != parent_pid:
        os._exit(errors.EXIT_RUNTIME)


def _after_fork() -> None:
    random.seed()
    if backend.is_eventlet():
        import eventlet.hubs

        # The parent's hub (and its epoll fd) must not be shared.
        eventlet.hubs.use_hub()


def _start(service: ServiceBase) -> int | None:
    try:
        post_fork = getattr(service, "post_fork", None)
        if post_fork is not None:
            post_fork()
        service.start()
    except errors.PasteConfigError as exc:
        LOG.error("cannot build the application: %s", exc)
        return errors.EXIT_WORKER_APP_LOAD
    except errors.ConfigError as exc:
        LOG.error("configuration error: %s", exc)
        return errors.EXIT_WORKER_CONFIG
    except errors.LaunchError as exc:
        LOG.error("worker failed to start: %s", exc)
        return errors.EXIT_RUNTIME
    except Exception:
        LOG.exception("worker failed to start")
        return errors.EXIT_RUNTIME
    return None


# The service's own two phases honour graceful_shutdown_timeout and
# [supervisor] cleanup_timeout and log what they cut; the alarm is the
# backstop for a stop that hangs past both.
ALARM_MARGIN = 5


def _drain(service: ServiceBase, timeout: int) -> int:
    # During a drain, SIGINT still means "now".
    signal.signal(signal.SIGINT, _cut_now)
    if timeout:
        signal.signal(signal.SIGALRM, _drain_timed_out)
        signal.alarm(timeout + ALARM_MARGIN)
    try:
        service.stop(graceful=True)
        service.wait()
    except Exception:
        LOG.exception("error while stopping")
        return errors.EXIT_RUNTIME
    if getattr(service, "cut", None):
        LOG.error("stopped, but cut: %s", ", ".join(service.cut))
        return errors.EXIT_RUNTIME
    return errors.EXIT_OK


def _cut_now(signum: int, frame: object) -> None:
    os._exit(errors.EXIT_RUNTIME)


def _drain_timed_out(signum: int, frame: object) -> None:
    # A hard deadline: whatever is still running is cut here.
    os.write(2, b"graceful_shutdown_timeout exceeded; exiting with work cut\n")
    os._exit(errors.EXIT_RUNTIME)


def run(
    service: ServiceBase,
    ready_fd: int,
    parent_pid: int,
    stop_budget: int,
    heartbeat_interval: float = 1.0,
) -> int:
    """Run ``service`` in this (freshly forked) process; return the exit code."""
    _die_with_parent(parent_pid)
    _after_fork()
    signals = SignalPipe()
    signals.install([signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
    code = _start(service)
    if code is not None:
        return code
    code = _await_ready(service, signals, stop_budget)
    if code is not None:
        return code
    os.write(ready_fd, READY)
    _start_heartbeat(ready_fd, heartbeat_interval)
    while True:
        if not _wait_readable(signals.fileno(), heartbeat_interval):
            unhealthy = _health(service)
            if unhealthy:
                LOG.error("%s; restarting this worker", unhealthy)
                _drain(service, stop_budget)
                return errors.EXIT_RPC_LOST
            continue
        code = _on_signals(service, signals, stop_budget)
        if code is not None:
            return code


def _on_signals(service: ServiceBase, signals: SignalPipe, budget: int) -> int | None:
    for signum in signals.drain():
        if signum == signal.SIGINT:
            return errors.EXIT_RUNTIME
        if signum == signal.SIGTERM:
            return _drain(service, budget)
        # SIGHUP: the parent reloads and replaces workers; nothing here.
    return None


# How long a started worker may wait for its first accept or RPC consume
# before it says so in the log (it keeps waiting: the parent decides).
NOT_READY_WARNING = 10.0


def _await_ready(service: ServiceBase, signals: SignalPipe, budget: int) -> int | None:
    """Report READY only once intake works; a stop request ends the wait."""
    wait_ready = getattr(service, "wait_ready", None)
    if wait_ready is None:  # a plain oslo.service ServiceBase
        return None
    warn_at = time.monotonic() + NOT_READY_WARNING
    while not wait_ready(0.05):
        if _wait_readable(signals.fileno(), 0):
            code = _on_signals(service, signals, budget)
            if code is not None:
                return code
        if warn_at and time.monotonic() > warn_at:
            LOG.warning(
                "started %.0fs ago but not yet accepting or consuming RPC; "
                "still waiting (is the broker reachable?)",
                NOT_READY_WARNING,
            )
            warn_at = 0.0
    return None


def _health(service: ServiceBase) -> str | None:
    health = getattr(service, "health", None)
    return health() if health is not None else None


def _start_heartbeat(fd: int, interval: float) -> None:
    """Tell the parent, every ``interval`` seconds, that this worker runs."""

    def beat() -> None:
        while True:
            time.sleep(interval)
            try:
                os.write(fd, HEARTBEAT)
            except OSError:  # the parent is gone; PDEATHSIG ends us
                return

    threading.Thread(target=beat, name="worker-heartbeat", daemon=True).start()


def _wait_readable(fd: int, timeout: float | None) -> bool:
    readable, _, _ = select.select([fd], [], [], timeout)
    return bool(readable)


def exit_now(code: int) -> None:
    """Leave the forked child without running the parent's cleanup."""
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:
            pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
