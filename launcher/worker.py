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
    os.write(ready_fd, READY)
    _start_heartbeat(ready_fd, heartbeat_interval)
    while True:
        _wait_readable(signals.fileno())
        for signum in signals.drain():
            if signum == signal.SIGINT:
                return errors.EXIT_RUNTIME
            if signum == signal.SIGTERM:
                return _drain(service, stop_budget)
            # SIGHUP: the parent reloads and replaces workers; nothing here.


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


def _wait_readable(fd: int) -> None:

    while True:
        readable, _, _ = select.select([fd], [], [], None)
        if readable:
            return


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
