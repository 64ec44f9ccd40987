"""The process launcher: forks workers, watches them, reloads and stops them.

Why not oslo.service's ProcessLauncher: on SIGHUP it stops every worker
before forking replacements, it respawns a crashing worker forever at a
fixed interval, and its threading flavour delegates to cotyledon with
different signal semantics. This one keeps oslo.service's ServiceBase
contract (start/stop/wait/reset) and adds: rolling replacement on SIGHUP,
exponential backoff with a crash-loop breaker, and exit codes that tell
why a worker died. Signal handlers only enqueue (launcher.signals); the
loop in :meth:`ProcessLauncher.wait` does all the work.
"""

import collections
import dataclasses
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable

from oslo_config import cfg
from oslo_service.backend.base import ServiceBase

from launcher import backend, errors, worker
from launcher.signals import SignalPipe
from launcher.systemd import Notifier

LOG = logging.getLogger(__name__)

EXIT_REASONS = {
    errors.EXIT_OK: "clean exit",
    errors.EXIT_RUNTIME: "runtime failure",
    errors.EXIT_WORKER_CONFIG: "configuration error",
    errors.EXIT_WORKER_APP_LOAD: "application load error",
    errors.EXIT_RPC_LOST: "lost its RPC broker connection",
}
FATAL_AT_START = (errors.EXIT_WORKER_CONFIG, errors.EXIT_WORKER_APP_LOAD)


def describe_exit(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code} ({EXIT_REASONS.get(code, 'unknown')})"


@dataclasses.dataclass
class Group:
    """``count`` identical workers of one service."""

    name: str
    service: ServiceBase
    count_fn: Callable[[], int]
    failures: collections.deque = dataclasses.field(default_factory=collections.deque)
    backoff: float = 0.0
    pending: list[float] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Worker:
    pid: int
    group: Group
    ready_fd: int
    started: float
    ready: bool = False
    last_seen: float = 0.0
    stopping: bool = False


class ProcessLauncher:
    """Supervise groups of forked workers until told to stop."""

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        listeners: Iterable[socket.socket] = (),
        signals: SignalPipe | None = None,
        clock: Callable[[], float] = time.monotonic,
        notifier: Notifier | None = None,
    ) -> None:
        self.conf = conf
        self._listeners = list(listeners)
        self._signals = signals or SignalPipe()
        self._clock = clock
        self._groups: list[Group] = []
        self._workers: dict[int, Worker] = {}
        self._running = False
        self._fatal: errors.LaunchError | None = None
        self._notified_ready = False
        self._last_status = ""
        self._stopped_unclean = False  # a worker cut work while stopping
        self._systemd = notifier or Notifier()
        self._select = backend.native_module("select").select
        self._read = backend.native_module("os").read

    # -- public contract ---------------------------------------------------

    def launch_service(
        self,
        service: ServiceBase,
        workers: int | Callable[[], int] = 1,
        name: str | None = None,
    ) -> None:
        count_fn = workers if callable(workers) else (lambda: workers)
        name = name or getattr(service, "binary", type(service).__name__)
        self._groups.append(Group(name, service, count_fn))

    def wait(self) -> int:
        """Run until SIGTERM/SIGINT or a crash loop; return the exit code."""
        self._refuse_threads()
        self._signals.install(
            [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD]
        )
        self._running = True
        for group in self._groups:
            for _ in range(group.count_fn()):
                self._spawn(group)
        fast = False
        while self._running:
            fast = self._tick()
        return self._shutdown(fast)

    def stop(self) -> None:
        self._signals.send(signal.SIGTERM)

    @property
    def fatal(self) -> errors.LaunchError | None:
        """Why the launcher gave up, if it did."""
        return self._fatal

    # -- the loop ----------------------------------------------------------

    def _tick(self) -> bool:
        fds = [self._signals.fileno()] + [w.ready_fd for w in self._workers.values()]
        readable, _, _ = self._select(fds, [], [], self._next_timeout())
        fast = False
        for signum in self._signals.drain():
            fast = self._on_signal(signum) or fast
        self._collect_ready(readable)
        self._reap()
        self._replace_stuck()
        self._respawn_due()
        self._notify_when_ready()
        self._report_status("" if self._notified_ready else "starting, ")
        self._systemd.watchdog(healthy=self._healthy())
        return fast

    def _on_signal(self, signum: int) -> bool:
        if signum == signal.SIGHUP:
            self._reload()
        elif signum in (signal.SIGTERM, signal.SIGINT):
            LOG.info("caught %s, stopping", signal.Signals(signum).name)
            self._running = False
            return signum == signal.SIGINT
        return False

    def _next_timeout(self) -> float:
        due = [t for g in self._groups for t in g.pending]
        if not due:
            return 1.0
        return max(0.0, min(min(due) - self._clock(), 1.0))

    def _collect_ready(self, readable: list[int]) -> None:
        """Read what workers sent: READY once, then a heartbeat each interval."""
        for w in list(self._workers.values()):
            if w.ready_fd not in readable:
                continue
            try:
                data = self._read(w.ready_fd, 4096)
            except OSError:
                data = b""
            if data:
                w.last_seen = self._clock()
            if worker.READY in data and not w.ready:
                w.ready = True
                w.group.backoff = 0.0
                LOG.info("worker %d of %s is ready", w.pid, w.group.name)

    def _replace_stuck(self) -> None:
        """A ready worker that stopped sending heartbeats is killed and replaced.

        The heartbeat comes from a thread of the worker's own backend: under
        eventlet it stops when the hub is blocked (a CPU loop, a blocking
        call); under either backend when the process is frozen.
        """
        limit = self.conf.supervisor.worker_stuck_timeout
        if not limit or not self._running:
            return
        now = self._clock()
        for w in list(self._workers.values()):
            if w.ready and not w.stopping and now - w.last_seen > limit:
                LOG.error(
                    "worker %d of %s sent no heartbeat for %ss; replacing it",
                    w.pid,
                    w.group.name,
                    limit,
                )
                _kill(w.pid, signal.SIGKILL)
                w.last_seen = now  # killed once; the reaper respawns it

    # -- spawning and reaping -----------------------------------------------

    def _spawn(self, group: Group) -> Worker:
        read_fd, write_fd = os.pipe()
        parent_pid = os.getpid()
        pid = os.fork()
        if pid == 0:  # child: never returns
            os.close(read_fd)
            self._close_inherited()
            code = errors.EXIT_RUNTIME
            try:
                code = worker.run(
                    group.service,
                    write_fd,
                    parent_pid,
                    self._stop_budget(),
                    self.conf.supervisor.worker_heartbeat_interval,
                )
            finally:
                worker.exit_now(code)
        os.close(write_fd)
        w = Worker(pid, group, read_fd, self._clock())
        self._workers[pid] = w
        LOG.info("started worker %d of %s", pid, group.name)
        return w

    def _close_inherited(self) -> None:
        self._signals.close()
        for w in self._workers.values():
            os.close(w.ready_fd)
        self._workers.clear()

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            w = self._workers.pop(pid, None)
            if w is None:
                continue
            os.close(w.ready_fd)
            self._on_exit(w, os.waitstatus_to_exitcode(status))

    def _on_exit(self, w: Worker, code: int) -> None:
        what = describe_exit(code)
        if w.stopping or not self._running:
            LOG.info("worker %d of %s stopped: %s", w.pid, w.group.name, what)
            if not self._running and code != errors.EXIT_OK:
                self._stopped_unclean = True
            return
        if w.ready:
            LOG.warning(
                "worker %d of %s died: %s; respawning", w.pid, w.group.name, what
            )
            w.group.pending.append(self._clock())
            return
        self._on_start_failure(w.group, code, what)

    def _on_start_failure(self, group: Group, code: int, what: str) -> None:
        now = self._clock()
        window = self.conf.supervisor.respawn_window
        group.failures.append(now)
        while group.failures and group.failures[0] < now - window:
            group.failures.popleft()
        tries = len(group.failures)
        if code in FATAL_AT_START or tries >= self.conf.supervisor.respawn_max_tries:
            self._give_up(group, tries, what)
            return
        initial = self.conf.supervisor.respawn_backoff_initial
        group.backoff = min(
            max(initial, group.backoff * 2), self.conf.supervisor.respawn_backoff_max
        )
        LOG.warning(
            "worker of %s died at start-up (%s), try %d of %d; respawning in %.1fs",
            group.name,
            what,
            tries,
            self.conf.supervisor.respawn_max_tries,
            group.backoff,
        )
        group.pending.append(now + group.backoff)

    def _give_up(self, group: Group, tries: int, what: str) -> None:
        if tries > 1:
            detail = f"{tries} times within {self.conf.supervisor.respawn_window}s"
        else:
            detail = "and will not be retried"
        self._fatal = errors.CrashLoop(
            f"{group.name}: a worker died at start-up {detail}; last: {what}",
            "see the log above for the worker's own error",
        )
        LOG.error("giving up: %s", self._fatal)
        self._running = False

    def _respawn_due(self) -> None:
        if not self._running:
            return
        now = self._clock()
        for group in self._groups:
            due = [t for t in group.pending if t <= now]
            group.pending = [t for t in group.pending if t > now]
            for _ in due:
                self._spawn(group)

    def _notify_when_ready(self) -> None:
        if self._notified_ready or not self._workers:
            return
        if all(w.ready for w in self._workers.values()):
            self._systemd.send("READY=1", self._status())
            self._notified_ready = True
            LOG.info("all %d workers ready", len(self._workers))

    def _report_status(self, prefix: str = "") -> None:
        """STATUS= whenever a count changes, reloads included, not only at READY."""
        status = self._status(prefix)
        if status != self._last_status:
            self._systemd.send(status)
            self._last_status = status

    def _status(self, prefix: str = "") -> str:
        counts = ", ".join(
            f"{g.name}: {self._ready_count(g)}/{g.count_fn()}" for g in self._groups
        )
        return f"STATUS={prefix}workers ready: {counts}"

    def _ready_count(self, group: Group) -> int:
        return sum(
            1
            for w in self._workers.values()
            if w.group is group and w.ready and not w.stopping
        )

    def _healthy(self) -> bool:
        """Every group that should run workers has at least one serving."""
        return all(self._ready_count(g) > 0 for g in self._groups if g.count_fn() > 0)

    def _refuse_threads(self) -> None:
        """Under native threads, fork copies locks held by other threads.

        A lock held by another thread at fork time stays locked forever in
        the child (logging and oslo.messaging locks are the usual victims).
        Eventlet's green threads live in the main thread and are safe.
        """
        if backend.is_eventlet():
            return
        extra = [
            t.name for t in threading.enumerate() if t is not threading.main_thread()
        ]
        if extra:
            raise errors.LaunchError(
                "refusing to fork workers while other threads run in the "
                f"launcher process: {', '.join(extra)}",
                "start threads after fork (Manager.init_host), not at import "
                "time or while building services",
            )

    # -- reload ------------------------------------------------------------

    def _reload(self) -> None:
        LOG.info("caught SIGHUP: re-reading configuration, replacing workers")
        self._systemd.send(
            "RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}"
        )
        try:
            self._replace_all()
        finally:
            self._systemd.send("READY=1", self._status())

    def _replace_all(self) -> None:
        try:
            self.conf.mutate_config_files()
            for group in self._groups:
                group.service.reset()
        except Exception as exc:
            LOG.error("reload aborted, old workers keep serving: %s", exc)
            return
        for group in self._groups:
            if not self._replace_group(group):
                return
        LOG.info("reload complete")

    def _replace_group(self, group: Group) -> bool:
        """Fork replacements a batch at a time; retire old workers once they serve."""
        old = [w for w in self._workers.values() if w.group is group and not w.stopping]
        wanted = group.count_fn()
        batch = self.conf.supervisor.reload_batch_size
        while old and wanted > 0:
            retiring, old = old[:batch], old[batch:]
            fresh = [self._spawn(group) for _ in range(min(len(retiring), wanted))]
            wanted -= len(fresh)
            if not self._await_ready(fresh):
                return False
            for w in retiring:
                self._retire(w)
            self._report_status("reloading, ")
        for w in old:  # the new count is smaller
            self._retire(w)
        for _ in range(wanted):  # the new count is larger
            self._spawn(group)
        return True

    def _await_ready(self, fresh: list[Worker]) -> bool:
        deadline = self._clock() + self.conf.supervisor.worker_ready_timeout
        while not all(w.ready for w in fresh):
            dead = [w for w in fresh if w.pid not in self._workers]
            remaining = deadline - self._clock()
            if dead or remaining <= 0:
                why = "died" if dead else "was not ready in time"
                LOG.error(
                    "reload aborted: a new worker of %s %s; old workers keep serving",
                    fresh[0].group.name,
                    why,
                )
                for w in fresh:
                    self._retire(w)
                return False
            fds = [w.ready_fd for w in fresh if w.pid in self._workers]
            readable, _, _ = self._select(fds, [], [], min(remaining, 0.5))
            self._collect_ready(readable)
            self._reap()
            self._report_status("reloading, ")
        return True

    def _retire(self, w: Worker) -> None:
        if w.pid in self._workers and not w.stopping:
            w.stopping = True
            _kill(w.pid, signal.SIGTERM)

    # -- stop --------------------------------------------------------------

    def _stop_budget(self) -> int:
        """Seconds a worker may take to stop: both phases; 0 means no limit."""
        drain = self.conf.graceful_shutdown_timeout
        cleanup = self.conf.supervisor.cleanup_timeout
        return 0 if not drain or not cleanup else drain + cleanup

    def _shutdown(self, fast: bool) -> int:
        self._systemd.send("STOPPING=1", "STATUS=stopping")
        # No new connection is queued from here on, in any process, and ours
        # is the first listening descriptor to close: the workers take what
        # is queued and close theirs, so a client is served or refused,
        # never queued and then reset (launcher.wsgi.server).
        from launcher.wsgi import sockets

        for sock in self._listeners:
            sockets.refuse_new_connections(sock)
            sock.close()
        signum = signal.SIGINT if fast else signal.SIGTERM
        for pid in list(self._workers):
            _kill(pid, signum)
        grace = 1 if fast else (self._stop_budget() or 60) + worker.ALARM_MARGIN
        deadline = self._clock() + grace
        clean = True
        while self._workers and self._clock() < deadline:
            self._reap_blocking(deadline)
        for pid in list(self._workers):
            LOG.error("worker %d did not stop in time; killing it", pid)
            _kill(pid, signal.SIGKILL)
            clean = False
        self._signals.close()
        if self._fatal is not None:
            raise self._fatal
        if fast or not clean or self._stopped_unclean:
            return errors.EXIT_RUNTIME
        return errors.EXIT_OK

    def _reap_blocking(self, deadline: float) -> None:
        fds = [self._signals.fileno()]
        self._select(fds, [], [], max(0.0, min(deadline - self._clock(), 0.2)))
        self._signals.drain()
        self._reap()


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
