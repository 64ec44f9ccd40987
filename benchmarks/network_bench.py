"""neutron-server: port create and port list against the same server's floor.

For 1 and 2 API workers (plus 1 RPC worker), prints requests/s and p99 of
- the trivial app served by neutron-server itself (its ``paste_config``
  pointed at ``trivial-paste.ini``): the floor of this run;
- ``POST /v2.0/ports`` (one address each from a /16);
- ``GET /v2.0/ports?network_id=...`` listing 50 ports;
and the ratios to the floor (targets: list >= 0.07, create >= 0.025).
Figures are printed, never asserted. SQLite by default; ``--database URL``
for PostgreSQL (run ``svc-launch db sync`` on it first).

``python -m benchmarks network [--backend eventlet|threading] [--seconds N]
[--clients N] [--database URL]``
"""

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.wsgi_bench import free_port

RABBIT_URL = "rabbit://guest:guest@127.0.0.1:5672/"
TRIVIAL_PASTE = Path(__file__).with_name("trivial-paste.ini")


def request(
    conn: http.client.HTTPConnection, method: str, path: str, body: Any = None
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    return response.status, response.read()


def _client(
    port: int, method: str, path: str, body: Any, seconds: float, queue: Any
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, failures = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        status, _ = request(conn, method, path, body)
        latencies.append(time.monotonic() - started)
        failures += status >= 400
    conn.close()
    queue.put((latencies, failures))


def load(
    port: int, method: str, path: str, body: Any, seconds: float, clients: int
) -> tuple[float, float, int]:
    """(requests/s, p99 in ms, failures) with ``clients`` keep-alive clients."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=_client, args=(port, method, path, body, seconds, queue)
        )
        for _ in range(clients)
    ]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    failures = sum(f for _, f in results)
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0
    return len(latencies) / seconds, p99, failures


@contextlib.contextmanager
def server(
    workers: int, backend: str, database: str | None, trivial: bool
) -> Iterator[int]:
    """neutron-server with ``workers`` API workers; yields its port."""
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        conf = Path(workdir, "bench.conf")
        lines = [
            "[DEFAULT]",
            f"transport_url = {RABBIT_URL}",
            f"state_path = {workdir}",
            f"log_file = {workdir}/log",
            "[neutron_server]",
            f"api_workers = {workers}",
            "rpc_workers = 1",
            f"bind_port = {port}",
            "bind_host = 127.0.0.1",
            *([f"paste_config = {TRIVIAL_PASTE}"] if trivial else []),
        ]
        if database:
            lines.append(f"[database]\nconnection = {database}")
        conf.write_text("\n".join(lines) + "\n")
        root = str(Path(__file__).resolve().parent.parent)  # benchmarks.trivial_app
        path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        env = dict(os.environ, SVC_LAUNCH_BACKEND=backend, PYTHONPATH=path)
        svc = Path(sys.executable).with_name("svc-launch")
        proc = subprocess.Popen(
            [str(svc), "--config-file", str(conf), "--binary", "neutron-server"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_up(port, proc)
            yield port
        finally:
            proc.terminate()
            proc.wait(30)


def _wait_up(port: int, proc: subprocess.Popen, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"neutron-server exited {proc.returncode}: {proc.stderr.read()}"
            )
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if request(conn, "GET", "/")[0] == 200:
                time.sleep(0.5)  # let every worker start
                return
        time.sleep(0.05)
    raise RuntimeError("neutron-server did not answer")


def _setup(port: int) -> tuple[str, str]:
    """Two networks: one to create ports on, one with 50 ports to list."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids = []
    for cidr in ("10.100.0.0/16", "10.200.0.0/24"):
        _, body = request(conn, "POST", "/v2.0/networks", {"network": {"name": cidr}})
        net_id = json.loads(body)["network"]["id"]
        subnet = {"network_id": net_id, "cidr": cidr, "ip_version": 4}
        request(conn, "POST", "/v2.0/subnets", {"subnet": subnet})
        ids.append(net_id)
    ports = {"ports": [{"network_id": ids[1]} for _ in range(50)]}
    status, _ = request(conn, "POST", "/v2.0/ports", ports)
    assert status == 201, status
    return ids[0], ids[1]


def measure(
    workers: int, args: argparse.Namespace
) -> dict[str, tuple[float, float, int]]:
    figures = {}
    with server(workers, args.backend, args.database, trivial=True) as port:
        figures["floor"] = load(port, "GET", "/", None, args.seconds, args.clients)
    with server(workers, args.backend, args.database, trivial=False) as port:
        create_net, list_net = _setup(port)
        body = {"port": {"network_id": create_net}}
        figures["create"] = load(
            port, "POST", "/v2.0/ports", body, args.seconds, args.clients
        )
        path = f"/v2.0/ports?network_id={list_net}"
        figures["list"] = load(port, "GET", path, None, args.seconds, args.clients)
    return figures


def report(workers: int, figures: dict[str, tuple[float, float, int]]) -> None:
    floor = figures["floor"][0]
    print(f"\n{workers} API worker(s)        req/s     p99 ms  failed   ratio  target")
    targets = {"floor": "", "create": ">= 0.025", "list": ">= 0.07"}
    labels = {
        "floor": "trivial app (floor)",
        "create": "port create",
        "list": "port list (50)",
    }
    for key in ("floor", "create", "list"):
        rate, p99, failed = figures[key]
        print(
            f"{labels[key]:<22}{rate:>8.0f}{p99:>11.1f}{failed:>8}"
            f"{rate / floor:>8.3f}  {targets[key]}"
        )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks network")
    parser.add_argument(
        "--backend", default="eventlet", choices=["eventlet", "threading"]
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database", default=None)
    args = parser.parse_args(list(argv))
    print(
        f"neutron-server benchmark: backend {args.backend}, {args.clients} clients, "
        f"{args.seconds:g} s per figure, database {args.database or 'SQLite'}"
    )
    for workers in (1, 2):
        report(workers, measure(workers, args))
    return 0
