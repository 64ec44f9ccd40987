"""SIGHUP and worker death under load: svc-launch vs oslo.service's launcher.

For each backend (``--backend``, both by default) it runs glance-registry
(SQLite) and, in turn, glance-api with 2 workers under svc-launch's
ProcessLauncher and the same paste app under oslo.service's
ProcessLauncher (benchmarks.oslo_launch: eventlet.wsgi under eventlet;
under threading that launcher is cotyledon's, serving with svc-launch's
waitress server). For each: ``--clients`` clients send GET /v2/images
back to back, each on a new connection, while the launcher gets
``--hups`` SIGHUPs one second apart; it counts failed requests and the
p99 latency. Then, ``--kills`` times, it kills one worker with SIGKILL,
with the other one paused (SIGSTOP) so that only the replacement can
answer, and takes the median time until a request is answered. It prints
both and the ratios; it is not a test.
``python -m benchmarks reload [--backend eventlet|threading] [--kills N]``.
"""

import argparse
import contextlib
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import psutil

from benchmarks import image_bench
from benchmarks.probe import first_200, free_port, get

IMAGES = "/v2/images?limit=5"
WORKERS = 2
BACKENDS = ("eventlet", "threading")


class Load:
    def __init__(self, port: int, clients: int) -> None:
        self.port = port
        self.latencies: list[float] = []
        self.failures = 0
        self.errors: dict[str, int] = {}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(clients)]

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status = get(self.port, IMAGES, timeout=10)
                ok, why = status == 200, f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                ok, why = False, type(exc).__name__
            if not ok:
                self.errors[why] = self.errors.get(why, 0) + 1
            self.latencies.append(time.monotonic() - started)
            self.failures += not ok

    def __enter__(self) -> "Load":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[int(0.99 * (len(ordered) - 1))] * 1000 if ordered else 0.0


@contextlib.contextmanager
def oslo_daemon(
    workdir: Path, conf: Path, port: int, backend: str
) -> Iterator[subprocess.Popen]:
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=root, SVC_LAUNCH_BACKEND=backend)
    args = [sys.executable, "-m", "benchmarks.oslo_launch", str(conf), str(port)]
    stderr = workdir / f"oslo-{backend}.stderr"
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [*args, str(WORKERS), backend],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    try:
        try:
            first_200(port, time.monotonic(), IMAGES, limit=30)
        except RuntimeError as exc:
            why = stderr.read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"{exc}; its stderr ends: {why}") from None
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def under_hups(port: int, pid: int, clients: int, hups: int) -> Load:
    with Load(port, clients) as load:
        time.sleep(1)  # the load is established before the first signal
        for _ in range(hups):
            os.kill(pid, signal.SIGHUP)
            time.sleep(1)
        time.sleep(2)  # the last reload settles under load
    return load


def replacement_seconds(port: int, pid: int, kills: int) -> float:
    """The median over ``kills`` of :func:`replace_one`, one crash at a time.

    Before each kill: exactly WORKERS workers (a worker retired by the last
    reload may still be draining), then WORKERS + 1 seconds without a
    fork. Both oslo.service launchers sleep before forking when more than
    ``workers`` forks fell within ``workers`` seconds (cotyledon 5 s,
    eventlet 1 s), and svc-launch counts a worker killed before it
    reported ready as a start-up failure; a lone crash in a settled daemon
    meets neither.
    """
    parent = psutil.Process(pid)
    times = []
    for _ in range(kills):
        deadline = time.monotonic() + 30
        while len(parent.children()) != WORKERS:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the launcher did not settle at {WORKERS} workers")
            time.sleep(0.01)
        time.sleep(WORKERS + 1)
        times.append(replace_one(port, pid))
    return statistics.median(times)


def replace_one(port: int, pid: int) -> float:
    """SIGKILL one worker; seconds until its replacement answers a request.

    The other workers are paused meanwhile, so only the replacement can
    accept; connections made before it runs wait in the listen queue.
    """
    workers = sorted(c.pid for c in psutil.Process(pid).children())
    victim, others = workers[0], workers[1:]
    for other in others:
        os.kill(other, signal.SIGSTOP)
    try:
        os.kill(victim, signal.SIGKILL)
        started = time.monotonic()
        while time.monotonic() - started < 30:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(port, IMAGES, timeout=1) == 200:
                    return time.monotonic() - started
        raise RuntimeError("the killed worker was not replaced within 30 s")
    finally:
        for other in others:
            with contextlib.suppress(ProcessLookupError):
                os.kill(other, signal.SIGCONT)


Result = tuple[Load, float]


def run(backend: str, args: argparse.Namespace, root: Path) -> dict[str, Result]:
    results: dict[str, Result] = {}
    with image_bench.daemon(root / "reg", "glance-registry", backend, {}) as reg:
        extra = {
            "glance_api": {"workers": WORKERS},
            "image_registry_client": {"registry_url": reg.url},
        }
        with image_bench.daemon(root / "svc", "glance-api", backend, extra) as api:
            load = under_hups(api.port, api.proc.pid, args.clients, args.hups)
            replaced = replacement_seconds(api.port, api.proc.pid, args.kills)
            results["svc-launch"] = (load, replaced)
        port = free_port()
        conf = image_bench._write_conf(
            root / "oslo.conf",
            {
                "DEFAULT": {"state_path": root / "oslo", "log_file": root / "oslo.log"},
                "wsgi": {"log_format": "-"},
                "image_registry_client": {"registry_url": reg.url},
            },
        )
        try:
            with oslo_daemon(root, conf, port, backend) as proc:
                load = under_hups(port, proc.pid, args.clients, args.hups)
                replaced = replacement_seconds(port, proc.pid, args.kills)
                results["oslo.service"] = (load, replaced)
        except RuntimeError as exc:
            print(f"oslo.service's launcher ({backend}) could not be measured: {exc}")
    return results


def report(backend: str, args: argparse.Namespace, results: dict[str, Result]) -> None:
    launcher = "cotyledon" if backend == "threading" else "eventlet"
    print(
        f"\nglance-api, {WORKERS} workers, {args.clients} clients, "
        f"{args.hups} SIGHUPs, backend {backend} "
        f"(oslo.service's launcher: {launcher})"
    )
    print(
        f"{'launcher':<16}{'requests':>10}{'failed':>8}{'p99 ms':>9}{'replace s':>11}"
        f"  (replace: median of {args.kills} kills)"
    )
    for name, (load, replaced) in results.items():
        print(
            f"{name:<16}{len(load.latencies):>10}{load.failures:>8}"
            f"{load.p99_ms():>9.1f}{replaced:>11.3f}"
        )
    for name, (load, _) in results.items():
        print(f"{name} failures by kind: {load.errors or 'none'}")
    if "oslo.service" not in results:
        return
    (ours, ours_replaced), (theirs, theirs_replaced) = (
        results["svc-launch"],
        results["oslo.service"],
    )
    print(
        "oslo.service / svc-launch: failed requests "
        f"{_ratio(theirs.failures, ours.failures)}, "
        f"p99 {_ratio(theirs.p99_ms(), ours.p99_ms())}, "
        f"replacement time {_ratio(theirs_replaced, ours_replaced)}"
    )


def _ratio(theirs: float, ours: float) -> str:
    if ours:
        return f"{theirs / ours:.1f}x"
    return f"{theirs:g} vs 0" if theirs else "0 vs 0"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reload")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--hups", type=int, default=10)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args(argv)
    for backend in args.backend or BACKENDS:
        with tempfile.TemporaryDirectory(prefix="svc-reload-") as tmp:
            report(backend, args, run(backend, args, Path(tmp)))
    return 0
