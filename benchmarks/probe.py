"""Small HTTP probes shared by the benchmarks: a free port, one GET, a wait."""

import contextlib
import http.client
import socket
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str = "/", timeout: float = 2.0) -> int:
    """The status of one GET on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def first_200(port: int, started: float, path: str = "/", limit: float = 20.0) -> float:
    """Seconds from ``started`` until ``path`` answers 200; fails after ``limit``."""
    while time.monotonic() - started < limit:
        with contextlib.suppress(OSError):
            if get(port, path, timeout=0.5) == 200:
                return time.monotonic() - started
        time.sleep(0.002)
    raise RuntimeError(f"nothing answered 200 on port {port} within {limit}s")
