"""Image service figures, each beside its floor measured in the same run.

Starts, as real ``svc-launch`` processes on loopback: glance-registry
(SQLite), glance-api, and the floor, a trivial paste app
(``benchmarks/trivial-paste.ini``) served by glance-api's own launcher and
WSGI server. Then, for 1 and 2 API workers:

- GET /v2/images with 20 images vs GET / on the floor: requests per
  second and p99 latency, ``--clients`` keep-alive clients;
- a ``--size-mib`` (512) upload and download: MiB/s against the floor
  reading or writing the same bytes, and the peak RSS growth of the API
  worker during each.

It prints the figures and the ratios (targets in TARGETS.md). It is not a
test. ``python -m benchmarks image [--backend eventlet|threading]
[--seconds N] [--clients N] [--size-mib N]``.
"""

import argparse
import contextlib
import dataclasses
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import psutil

SVC_LAUNCH = str(Path(sys.executable).with_name("svc-launch"))
TRIVIAL_INI = str(Path(__file__).with_name("trivial-paste.ini"))
MIB = 1024 * 1024
BLOCK = os.urandom(MIB)


@dataclasses.dataclass
class Daemon:
    proc: subprocess.Popen
    url: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)


def _write_conf(path: Path, sections: dict[str, dict[str, object]]) -> Path:
    text = "".join(
        f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in opts.items())
        for name, opts in sections.items()
    )
    path.write_text(text)
    return path


@contextlib.contextmanager
def daemon(
    workdir: Path, binary: str, backend: str, extra: dict[str, dict[str, object]]
) -> Iterator[Daemon]:
    workdir.mkdir(parents=True)
    log = workdir / "daemon.log"
    group = binary.replace("-", "_")
    sections: dict[str, dict[str, object]] = {
        "DEFAULT": {"state_path": workdir, "log_file": log, "periodic_fuzzy_delay": 0},
        group: {"bind_host": "127.0.0.1", "bind_port": 0},
        "wsgi": {"log_format": "-"},
    }
    for name, options in extra.items():
        sections.setdefault(name, {}).update(options)
    conf = _write_conf(workdir / "svc.conf", sections)
    # The floor's paste app lives in this package, beside the repository root.
    root = str(Path(__file__).resolve().parent.parent)
    pythonpath = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, SVC_LAUNCH_BACKEND=backend, PYTHONPATH=pythonpath)
    args = [SVC_LAUNCH, "--binary", binary, "--config-file", str(conf)]
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield Daemon(proc, _wait_ready(log, binary, proc))
    finally:
        proc.terminate()
        proc.wait(30)


def _wait_ready(log: Path, binary: str, proc: subprocess.Popen) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        found = re.search(rf"{binary} listening on (http://\S+)", text)
        if found and re.search(r"all \d+ workers ready", text):
            return found.group(1)
        if proc.poll() is not None:
            raise RuntimeError(
                f"{binary} exited: {proc.stderr.read().decode()[-2000:]}"
            )
        time.sleep(0.05)
    raise RuntimeError(f"{binary} not ready within 30 s")


# -- measurements -----------------------------------------------------------------


def request_rate(
    port: int, path: str, clients: int, seconds: float
) -> tuple[float, float]:
    """(requests/s, p99 ms) of ``clients`` keep-alive clients for ``seconds``."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    return len(ordered) / seconds, ordered[int(0.99 * (len(ordered) - 1))] * 1000


class RssPeak:
    """Samples the summed RSS of ``processes`` every 5 ms, in a thread."""

    def __init__(self, processes: list[psutil.Process]) -> None:
        self.processes = processes
        self.base = self._rss()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _rss(self) -> int:
        return sum(p.memory_info().rss for p in self.processes)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> "RssPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.base) / MIB


def upload(port: int, path: str, size_mib: int) -> float:
    """MiB/s of a PUT of ``size_mib`` MiB, sent in 1 MiB writes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    conn.putrequest("PUT", path)
    conn.putheader("Content-Type", "application/octet-stream")
    conn.putheader("Content-Length", str(size_mib * MIB))
    conn.endheaders()
    for _ in range(size_mib):
        conn.send(BLOCK)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    assert response.status in (200, 204), response.status
    conn.close()
    return size_mib / elapsed


def download(port: int, path: str) -> tuple[float, int]:
    """(MiB/s, bytes) of a GET read in 1 MiB pieces."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    received = 0
    while data := response.read(MIB):
        received += len(data)
    elapsed = time.perf_counter() - started
    conn.close()
    return received / MIB / elapsed, received


def _json(port: int, method: str, path: str, body: object = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = None if body is None else json.dumps(body)
    conn.request(method, path, data, {"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return json.loads(payload) if payload else {}


# -- the run ----------------------------------------------------------------------


def run(args: argparse.Namespace, root: Path) -> None:
    backend = args.backend
    with daemon(root / "registry", "glance-registry", backend, {}) as registry:
        for i in range(20):
            _json(registry.port, "POST", "/images", _registry_image(i))
        for workers in (1, 2):
            print(f"\n== {backend}, {workers} API worker(s) ==")
            _one_config(args, root / f"w{workers}", registry.url, workers)


def _registry_image(i: int) -> dict:
    import uuid

    values = {
        "id": str(uuid.uuid4()),
        "name": f"bench-{i}",
        "status": "queued",
        "visibility": "public",
        "protected": False,
        "os_hidden": False,
        "min_disk": 0,
        "min_ram": 0,
    }
    return {"image": values, "properties": {"os_distro": "bench"}, "tags": ["bench"]}


def _one_config(
    args: argparse.Namespace, root: Path, registry_url: str, workers: int
) -> None:
    api_extra = {
        "glance_api": {"workers": workers},
        "image_registry_client": {"registry_url": registry_url},
    }
    floor_extra = {"glance_api": {"workers": workers, "paste_config": TRIVIAL_INI}}
    with (
        daemon(root / "api", "glance-api", args.backend, api_extra) as api,
        daemon(root / "floor", "glance-api", args.backend, floor_extra) as floor,
    ):
        floor_rate, floor_p99 = request_rate(
            floor.port, "/", args.clients, args.seconds
        )
        list_rate, list_p99 = request_rate(
            api.port, "/v2/images?limit=20", args.clients, args.seconds
        )
        print(f"{'GET':<28}{'req/s':>10}{'p99 ms':>10}")
        print(f"{'floor GET /':<28}{floor_rate:>10.0f}{floor_p99:>10.2f}")
        print(f"{'GET /v2/images (20)':<28}{list_rate:>10.0f}{list_p99:>10.2f}")
        print(f"ratio list/floor: {list_rate / floor_rate:.3f} (target >= 0.1)")
        if workers == 1:
            _transfers(args, api, floor)


def _transfers(args: argparse.Namespace, api: Daemon, floor: Daemon) -> None:
    size = args.size_mib
    image = _json(api.port, "POST", "/v2/images", {"name": "bench-big"})
    file_path = f"/v2/images/{image['id']}/file"
    with RssPeak(floor.workers()):
        floor_up = upload(floor.port, "/blob", size)
    with RssPeak(api.workers()) as up_rss:
        api_up = upload(api.port, file_path, size)
    with RssPeak(floor.workers()):
        floor_down, _ = download(floor.port, f"/blob?size={size * MIB}")
    with RssPeak(api.workers()) as down_rss:
        api_down, received = download(api.port, file_path)
    assert received == size * MIB, received
    print(f"{size} MiB{'':<20}{'MiB/s':>10}{'floor':>10}{'ratio':>8}{'RSS +MiB':>10}")
    for label, rate, floor_rate, rss in (
        ("upload", api_up, floor_up, up_rss),
        ("download", api_down, floor_down, down_rss),
    ):
        ratio = rate / floor_rate
        print(
            f"{label:<28}{rate:>10.0f}{floor_rate:>10.0f}{ratio:>8.2f}"
            f"{rss.growth_mib:>10.1f}"
        )
    print("targets: upload >= 300 MiB/s, download >= 1536 MiB/s, RSS growth <= 4 MiB")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks image")
    parser.add_argument(
        "--backend",
        default=os.environ.get("SVC_LAUNCH_BACKEND", "eventlet"),
        choices=["eventlet", "threading"],
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--size-mib", type=int, default=512)
    args = parser.parse_args(list(argv))
    with tempfile.TemporaryDirectory(prefix="image-bench-") as tmp:
        run(args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
