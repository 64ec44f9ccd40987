"""svc-launch's own WSGI path against the bare server, and worker life figures.

Prints, for the backend chosen (``--backend``, default eventlet):
- requests/s of a trivial app on the bare server (eventlet.wsgi or
  waitress) and through svc-launch (definition, paste, supervisor, worker,
  server wrapper), with the same load generator; the ratio (target >= 0.6);
- exec -> first 200 for the svc-launch process (target <= 0.6 s);
- RSS of one API worker (target <= 60 MiB);
- after kill -9 of the only worker, the time until a request is served by
  its replacement (target <= 0.1 s).
Each figure is printed, never asserted. The run stops by itself.

``python -m benchmarks wsgi [--backend eventlet|threading] [--seconds N]``
"""

import argparse
import contextlib
import http.client
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence

from benchmarks.probe import first_200, free_port, get


def _client(port: int, seconds: float, counter: "multiprocessing.Value") -> None:
    deadline = time.monotonic() + seconds
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    done = 0
    while time.monotonic() < deadline:
        conn.request("GET", "/")
        conn.getresponse().read()
        done += 1
    conn.close()
    with counter.get_lock():
        counter.value += done


def load(port: int, seconds: float, clients: int) -> float:
    """Requests per second from ``clients`` keep-alive client processes."""
    counter = multiprocessing.Value("i", 0)
    procs = [
        multiprocessing.Process(target=_client, args=(port, seconds, counter))
        for _ in range(clients)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(seconds + 30)
    return counter.value / seconds


@contextlib.contextmanager
def serving(args: list[str], backend: str) -> Iterator[subprocess.Popen]:
    env = dict(os.environ, SVC_LAUNCH_BACKEND=backend)
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.trivial", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def memory_mib(pid: int) -> dict[str, float]:
    """RSS, and the shares that fork makes meaningful: PSS and USS.

    RSS counts every page the worker maps, including the parent's pages it
    shares copy-on-write; USS is what the worker alone costs (what another
    worker adds), PSS splits the shared pages among their sharers.
    """
    totals = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in totals:
                totals[key] = int(rest.split()[0])
    uss = totals["Private_Clean"] + totals["Private_Dirty"]
    return {"rss": totals["Rss"] / 1024, "pss": totals["Pss"] / 1024, "uss": uss / 1024}


def replacement_time(port: int, launcher_pid: int) -> float:
    """kill -9 the only worker; seconds until a request is answered again."""
    (worker,) = children(launcher_pid)
    os.kill(worker, signal.SIGKILL)
    started = time.monotonic()
    while True:
        with contextlib.suppress(OSError):
            if get(port, timeout=1) == 200 and worker not in children(launcher_pid):
                return time.monotonic() - started
        if time.monotonic() - started > 20:
            raise RuntimeError("the worker was not replaced")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks wsgi")
    parser.add_argument(
        "--backend", default="eventlet", choices=["eventlet", "threading"]
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    print(f"backend: {args.backend}; {args.clients} keep-alive clients, ", end="")
    print(f"{args.seconds}s each")

    port = free_port()
    with serving(["bare", str(port)], args.backend):
        first_200(port, time.monotonic())
        bare = load(port, args.seconds, args.clients)

    port = free_port()
    with tempfile.TemporaryDirectory() as state:
        started = time.monotonic()
        with serving(["svc", str(port), "1", state], args.backend) as proc:
            to_first_200 = first_200(port, started)
            ours = load(port, args.seconds, args.clients)
            (worker,) = children(proc.pid)
            worker_memory = memory_mib(worker)
            replaced = replacement_time(port, proc.pid)

    print(f"{'figure':<44}{'value':>12}{'target':>12}")
    print(f"{'bare server, req/s (floor)':<44}{bare:>12.0f}{'':>12}")
    print(f"{'svc-launch path, req/s':<44}{ours:>12.0f}{'':>12}")
    print(f"{'ratio svc-launch / bare':<44}{ours / bare:>12.2f}{'>= 0.6':>12}")
    print(f"{'exec -> first 200, s':<44}{to_first_200:>12.3f}{'<= 0.6':>12}")
    rss, pss, uss = (worker_memory[k] for k in ("rss", "pss", "uss"))
    print(f"{'RSS of one API worker, MiB':<44}{rss:>12.1f}{'<= 60':>12}")
    print(f"{'  of which PSS / USS (its own), MiB':<44}{pss:>6.1f} /{uss:>5.1f}")
    label = "killed worker -> served by replacement, s"
    print(f"{label:<44}{replaced:>12.3f}{'<= 0.1':>12}")
    return 0
