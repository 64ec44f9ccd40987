"""select_destinations throughput and latency, against a bare oslo.messaging echo.

Starts, on the real RabbitMQ, one ``svc-launch`` process running
nova-scheduler and nova-compute (fake driver, capacity too large to fill)
and one bare oslo.messaging echo server (benchmarks.echo_server). Then it
measures calls per second and p50/p99 latency for both, sequentially and
with 8 concurrent callers, each for a fixed time, and prints the figures
and the ratio select_destinations / echo (target: >= 0.8, TARGETS.md).
Everything is measured in the same run on the same broker, so the ratio
holds on a noisy machine even when the absolute figures do not.

``python -m benchmarks scheduler [--backend eventlet|threading]
[--seconds N] [--callers N]``; it stops by itself (about 30 s; a hard
limit of 60 s).
"""

import argparse
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

RABBIT_URL = os.environ.get(
    "SVC_LAUNCH_BENCH_RABBIT_URL", "rabbit://guest:guest@127.0.0.1:5672/"
)
HARD_LIMIT = 60
REQUEST = {"vcpus": 1, "memory_mb": 1, "disk_gb": 0}
SVC_LAUNCH = str(Path(sys.executable).with_name("svc-launch"))


@dataclasses.dataclass(frozen=True)
class Figures:
    label: str
    callers: int
    calls: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.calls / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    def row(self) -> str:
        return (
            f"{self.label:<22}{self.callers:>8}{self.rate:>10.0f}"
            f"{self.percentile(0.5):>9.2f}{self.percentile(0.99):>9.2f}"
        )


def measure(
    call: Callable[[], Any], label: str, callers: int, seconds: float
) -> Figures:
    """Every caller loops on ``call`` for ``seconds`` after a short warm-up."""
    warm_until = time.monotonic() + 0.5
    stop_at = warm_until + seconds
    latencies: list[list[float]] = [[] for _ in range(callers)]

    def loop(mine: list[float]) -> None:
        while (now := time.monotonic()) < stop_at:
            started = time.perf_counter()
            call()
            if now >= warm_until:
                mine.append(time.perf_counter() - started)

    threads = [threading.Thread(target=loop, args=(m,)) for m in latencies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged = [x for mine in latencies for x in mine]
    return Figures(label, callers, len(merged), seconds, merged)


def write_config(path: Path, exchange: str, shared_claims: bool = True) -> Path:
    path.write_text(f"""[DEFAULT]
transport_url = {RABBIT_URL}
control_exchange = {exchange}
state_path = {path.parent / "state"}
log_file = {path.parent / "daemon.log"}
debug = false
report_interval = 1
periodic_fuzzy_delay = 0

[scheduler]
shared_claims = {str(shared_claims).lower()}
service_refresh_interval = 1
claim_timeout = 10
expire_interval = 2

[compute]
vcpus = 1000000000
memory_mb = 1000000000
disk_gb = 1000000000
state_report_interval = 1
""")
    return path


@contextlib.contextmanager
def process(argv: Sequence[str], log: Path) -> Iterator[subprocess.Popen]:
    """A child process group, TERMed (then KILLed) on the way out."""
    with open(log, "w") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(os.environ),
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_until(
    call: Callable[[], Any],
    what: str,
    procs: Sequence[subprocess.Popen],
    timeout: float = 30,
) -> None:
    """Retry ``call`` until it returns; fail early if a child died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            call()
            return
        except Exception as exc:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"{what} not ready: {exc}") from None


def make_transport(exchange: str) -> Any:
    from oslo_config import cfg

    from services.scheduler import rpcapi

    conf = cfg.ConfigOpts()
    conf([], default_config_files=[])
    from launcher import rpc

    rpc.register_opts(conf)
    conf.set_override("transport_url", RABBIT_URL)
    conf.set_override("control_exchange", exchange)
    return rpcapi.get_transport(conf)


def run(args: argparse.Namespace, workdir: Path) -> list[Figures]:
    import oslo_messaging

    from services.scheduler.rpcapi import SchedulerAPI

    exchange = f"svc_bench_{uuid.uuid4().hex[:8]}"
    config = write_config(
        workdir / "svc-launch.conf", exchange, shared_claims=not args.memory_claims
    )
    daemon_argv = [
        SVC_LAUNCH,
        "--config-file",
        str(config),
        "--host",
        "bench",
        "--binary",
        "nova-compute",
        "--binary",
        "nova-scheduler",
    ]
    echo_argv = [
        sys.executable,
        "-m",
        "benchmarks.echo_server",
        RABBIT_URL,
        exchange,
        "bench_echo",
    ]
    with contextlib.ExitStack() as stack:
        procs = [
            stack.enter_context(process(daemon_argv, workdir / "daemon.out")),
            stack.enter_context(process(echo_argv, workdir / "echo.out")),
        ]
        transport = make_transport(exchange)
        stack.callback(transport.cleanup)
        scheduler = SchedulerAPI(transport, timeout=5)
        echo = oslo_messaging.get_rpc_client(
            transport, oslo_messaging.Target(topic="bench_echo"), timeout=5
        )
        quick = SchedulerAPI(transport, timeout=1)
        wait_until(
            lambda: quick.select_destinations({}, REQUEST), "nova-scheduler", procs
        )
        wait_until(
            lambda: echo.prepare(timeout=1).call({}, "echo", value=1),
            "echo server",
            procs,
        )
        targets = [
            ("bare echo", lambda: echo.call({}, "echo", value=REQUEST)),
            ("select_destinations", lambda: scheduler.select_destinations({}, REQUEST)),
        ]
        return [
            measure(call, label, callers, args.seconds)
            for callers in (1, args.callers)
            for label, call in targets
        ]


def report(
    figures: list[Figures], backend_name: str, seconds: float, claims: str
) -> None:
    print(
        f"scheduler benchmark: backend {backend_name}, broker {RABBIT_URL}, "
        f"{seconds:g} s per run, claims: {claims}"
    )
    print(f"{'':<22}{'callers':>8}{'calls/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    for fig in figures:
        print(fig.row())
    by = {(f.label, f.callers): f for f in figures}
    for callers in sorted({f.callers for f in figures}):
        sel, echo = by[("select_destinations", callers)], by[("bare echo", callers)]
        print(
            f"ratio select_destinations/echo, {callers} caller(s): "
            f"{sel.rate / echo.rate:.2f} calls/s "
            f"(p50 {sel.percentile(0.5) / echo.percentile(0.5):.2f}x the latency); "
            "target >= 0.8"
        )


def _limit(signum: int, frame: object) -> None:
    raise TimeoutError(f"benchmark exceeded its {HARD_LIMIT} s limit")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks scheduler")
    parser.add_argument(
        "--backend",
        default=os.environ.get("SVC_LAUNCH_BACKEND", "eventlet"),
        choices=["eventlet", "threading"],
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="measured seconds per run (4 runs)"
    )
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument(
        "--memory-claims",
        action="store_true",
        help="[scheduler] shared_claims = false: one scheduler, no ledger",
    )
    args = parser.parse_args(argv)
    os.environ["SVC_LAUNCH_BACKEND"] = args.backend  # children use the same
    from launcher import backend

    backend.select(backend.Backend(args.backend))
    signal.signal(signal.SIGALRM, _limit)
    signal.alarm(HARD_LIMIT)
    try:
        with tempfile.TemporaryDirectory(prefix="svc-bench-") as workdir:
            figures = run(args, Path(workdir))
    finally:
        signal.alarm(0)
    claims = "memory only" if args.memory_claims else "shared database ledger"
    report(figures, args.backend, args.seconds, claims)
    return 0
