"""SIGHUP and worker death under load: svc-launch vs oslo.service's launcher.

Runs glance-registry (SQLite) and, in turn, glance-api with 2 workers under
svc-launch's ProcessLauncher and the same paste app under oslo.service's
ProcessLauncher (benchmarks.oslo_launch; eventlet, which is what that
launcher serves WSGI with). For each: ``--clients`` clients send GET
/v2/images back to back, each on a new connection, while the launcher gets
``--hups`` SIGHUPs one second apart; it counts failed requests and the p99
latency. Then it kills one worker with SIGKILL and measures the time until
the launcher has forked its replacement and a request succeeds. It prints
both and the ratios; it is not a test. ``python -m benchmarks reload``.
"""

import argparse
import contextlib
import os
import signal
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
            except OSError as exc:
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
def oslo_daemon(workdir: Path, conf: Path, port: int) -> Iterator[subprocess.Popen]:
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=root, SVC_LAUNCH_BACKEND="eventlet")
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.oslo_launch", str(conf), str(port), "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        first_200(port, time.monotonic(), IMAGES, limit=30)
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


def replacement_seconds(port: int, pid: int) -> float:
    parent = psutil.Process(pid)
    before = {c.pid for c in parent.children()}
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    started = time.monotonic()
    while time.monotonic() - started < 30:
        now = {c.pid for c in parent.children()}
        if len(now - before) >= 1 and len(now) >= len(before):
            with contextlib.suppress(OSError):
                if get(port, IMAGES, timeout=1) == 200:
                    return time.monotonic() - started
        time.sleep(0.002)
    raise RuntimeError("the killed worker was not replaced within 30 s")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reload")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--hups", type=int, default=10)
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="svc-reload-") as tmp:
        root = Path(tmp)
        with image_bench.daemon(root / "reg", "glance-registry", "eventlet", {}) as reg:
            extra = {
                "glance_api": {"workers": 2},
                "image_registry_client": {"registry_url": reg.url},
            }
            with image_bench.daemon(
                root / "svc", "glance-api", "eventlet", extra
            ) as api:
                load = under_hups(api.port, api.proc.pid, args.clients, args.hups)
                results["svc-launch"] = (
                    load,
                    replacement_seconds(api.port, api.proc.pid),
                )
            port = free_port()
            conf = image_bench._write_conf(
                root / "oslo.conf",
                {
                    "DEFAULT": {
                        "state_path": root / "oslo",
                        "log_file": root / "oslo.log",
                    },
                    "image_registry_client": {"registry_url": reg.url},
                },
            )
            with oslo_daemon(root, conf, port) as proc:
                load = under_hups(port, proc.pid, args.clients, args.hups)
                results["oslo.service"] = (load, replacement_seconds(port, proc.pid))
    print(
        f"glance-api, 2 workers, {args.clients} clients, {args.hups} SIGHUPs (eventlet)"
    )
    print(
        f"{'launcher':<16}{'requests':>10}{'failed':>8}{'p99 ms':>9}{'replace s':>11}"
    )
    for name, (load, replaced) in results.items():
        print(
            f"{name:<16}{len(load.latencies):>10}{load.failures:>8}"
            f"{load.p99_ms():>9.1f}{replaced:>11.3f}"
        )
    for name, (load, _) in results.items():
        print(f"{name} failures by kind: {load.errors or 'none'}")
    ours, theirs = results["svc-launch"], results["oslo.service"]
    failed = f"svc-launch {ours[0].failures}, oslo.service {theirs[0].failures}"
    print(f"failed requests: {failed}")
    if ours[1]:
        print(
            f"replacement time, oslo.service / svc-launch: {theirs[1] / ours[1]:.1f}x"
        )
    return 0
