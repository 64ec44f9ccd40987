"""API daemons as real processes: shared sockets, signals, reloads."""

import collections
import http.client
import itertools
import json
import os
import re
import signal
import socket
import threading
import time
import urllib.parse
import urllib.request

from tests.functional import harness


def get(
    url: str,
    headers: dict | None = None,
    timeout: float = 30,
    response_headers: dict | None = None,
) -> dict:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response_headers is not None:
            response_headers.update({k.lower(): v for k, v in response.headers.items()})
        return json.loads(response.read())


class Load:
    """Clients sending requests back to back, each on a new connection."""

    def __init__(self, url: str, clients: int = 4) -> None:
        self.url = url
        self.ok = 0
        self.failures: list[str] = []
        self.pids: set[int] = set()
        self.answered: list[float] = []  # when each success completed
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(clients)]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.pids.add(get(self.url, timeout=10)["pid"])
                self.answered.append(time.monotonic())
                self.ok += 1
            # A kill -9 cuts what its worker was sending: IncompleteRead.
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.failures.append(repr(exc))

    def __enter__(self) -> "Load":
        for t in self._threads:
            t.start()
        harness.wait_for(lambda: self.ok > 0, what="first request")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def longest_silence(self, since: float) -> float:
        """The longest time after ``since`` with no request answered."""
        times = sorted(t for t in self.answered if t >= since)
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


class Knocker:
    """Clients connecting in a loop; each attempt must be served or refused.

    What must never happen to a client is the kernel completing its
    handshake into the listen queue and resetting it later, when the last
    descriptor of the listening socket closes: that shows as a reset, a
    disconnect or a cut response. Once the launcher stops, a connection
    attempt is refused at its first SYN retry (a second later).
    """

    def __init__(self, url: str, clients: int = 4) -> None:
        parts = urllib.parse.urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.outcomes: collections.Counter = collections.Counter()
        self.first_refused: float | None = None
        self.bad: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(clients)]

    def _run(self) -> None:
        while not self._stop.is_set():
            conn = http.client.HTTPConnection(*self.address, timeout=10)
            try:
                conn.request("GET", "/")
                response = conn.getresponse()
                json.loads(response.read())
                self.outcomes[response.status] += 1
            except ConnectionRefusedError:
                self.outcomes["refused"] += 1
                if self.first_refused is None:
                    self.first_refused = time.monotonic()
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.bad.append(repr(exc))
            finally:
                conn.close()

    def __enter__(self) -> "Knocker":
        for t in self._threads:
            t.start()
        harness.wait_for(lambda: self.outcomes[200] > 0, what="first answer")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)


def test_request_id_flows_from_api_into_rpc_and_both_logs(daemons):
    daemon = daemons(["test-echo", "test-api"]).wait_ready()
    url = daemon.api_url("test-api")
    # An inbound X-OpenStack-Request-ID is the caller's (global) id; the
    # API makes its own local id, returns it, and both travel over RPC.
    caller = "req-0b5c1e4e-58c9-4a57-9a4b-6a6f2f0f8e11"
    headers: dict = {}
    seen = get(
        f"{url}/rpc-request-id",
        {"X-OpenStack-Request-ID": caller},
        response_headers=headers,
    )
    local = headers["x-openstack-request-id"]
    assert local.startswith("req-") and local != caller
    assert seen["api"] == seen["rpc"] == {"local": local, "global": caller}
    daemon.wait_log(rf"{local} .*request ids seen by the RPC side")
    daemon.wait_log(rf"{local} .*GET /rpc-request-id")


def test_sigterm_finishes_in_flight_request_then_exits_0(daemons):
    daemon = daemons(["test-api"]).wait_ready()
    url = daemon.api_url("test-api")
    result = {}
    slow = threading.Thread(target=lambda: result.update(get(f"{url}/slow?seconds=2")))
    slow.start()
    daemon.wait_log(r"slow request started")
    daemon.signal(signal.SIGTERM)
    slow.join(30)
    assert result.get("slow") is True
    assert daemon.wait_exit() == 0


def test_sigterm_serves_or_refuses_never_resets(daemons):
    # Its RPC worker also holds the API socket, inherited at fork, until
    # it exits: long after the API workers closed theirs.
    extra = {"test_api": {"api_workers": 2}}
    daemon = daemons(["test-api"], extra=extra).wait_ready()
    url = daemon.api_url("test-api")
    result: dict = {}

    def slow_request() -> None:
        result.update(get(f"{url}/slow?seconds=4"))
        result["finished"] = time.monotonic()

    slow = threading.Thread(target=slow_request)
    with Knocker(url) as knocker:
        slow.start()
        daemon.wait_log(r"slow request started")
        daemon.signal(signal.SIGTERM)
        harness.wait_for(
            lambda: knocker.outcomes["refused"] >= 8, what="connections refused"
        )
    slow.join(30)

    assert knocker.bad == []
    assert set(knocker.outcomes) <= {200, "refused"}
    # Intake stopped while the request in flight was still being served.
    assert result.get("slow") is True
    assert knocker.first_refused is not None
    assert knocker.first_refused < result["finished"]
    assert daemon.wait_exit() == 0


def test_sighup_under_load_loses_no_request(daemons, tmp_path):
    """Ten reloads under load: nothing fails, and some worker always serves."""
    with NotifyListener(tmp_path / "notify.sock") as notify:
        extra = {"test_api": {"api_workers": 2}}
        env = {"NOTIFY_SOCKET": notify.path}
        daemon = daemons(["test-api"], extra=extra, env=env).wait_ready()
        url = daemon.api_url("test-api")
        before = daemon.worker_pids()
        with Load(url + "/") as load:
            reloads_began = time.monotonic()
            for n in range(1, 11):
                daemon.signal(signal.SIGHUP)
                daemon.wait_log(r"reload complete", count=n)
            harness.wait_for(
                lambda: load.pids - before, what="a request served by a new worker"
            )
        harness.wait_for(
            lambda: notify.fields.count("READY=1") >= 11, what="READY after reloads"
        )
        fields = list(notify.fields)

    assert load.failures == []
    assert not (daemon.worker_pids() & before)
    # Once ready, the launcher reports each change in how many API workers
    # are ready and not being retired: never none, and all at the end.
    assert fields.count("RELOADING=1") == 10
    ready = [
        (int(m[1]), int(m[2])) for f in fields if (m := re.match(STATUS_SERVING, f))
    ]
    assert len(ready) >= 21  # at start-up, then during and after each reload
    assert all(count >= 1 for count, _ in ready)
    assert ready[-1] == (2, 2)
    # With no worker accepting, requests would wait in the listen queue;
    # answers kept coming throughout the ten reloads.
    assert load.longest_silence(since=reloads_began) < 0.5


STATUS_SERVING = r"STATUS=(?:reloading, )?workers ready: test-api api: (\d+)/(\d+)"


class NotifyListener:
    """A NOTIFY_SOCKET read all along, as systemd does.

    A datagram socket queues only a few messages (net.unix.max_dgram_qlen,
    10 by default); one left unread would block the launcher's sends.
    """

    def __init__(self, path) -> None:
        self.path = str(path)
        self.fields: list[str] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.1)  # how often the reader checks for the end
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read)

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                self.fields.extend(self._sock.recv(4096).decode().splitlines())
            except TimeoutError:
                pass

    def __enter__(self) -> "NotifyListener":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self._sock.close()


def test_sighup_applies_mutable_options(daemons):
    daemon = daemons(["test-api"], extra={"DEFAULT": {"debug": "false"}}).wait_ready()
    config = daemon.config_path.read_text().replace("debug = false", "debug = true")
    daemon.config_path.write_text(config)
    daemon.signal(signal.SIGHUP)
    daemon.wait_log(r"reload complete")
    get(daemon.api_url("test-api") + "/")
    daemon.wait_log(r" DEBUG ")


def test_killed_api_worker_is_replaced_and_service_keeps_answering(daemons):
    daemon = daemons(["test-api"], extra={"test_api": {"api_workers": 2}}).wait_ready()
    url = daemon.api_url("test-api")
    with Load(url + "/", clients=2) as load:
        victim = min(daemon.worker_pids("test-api api"))
        os.kill(victim, signal.SIGKILL)
        daemon.wait_log(rf"worker {victim} of test-api api died: killed by SIGKILL")
        harness.wait_for(lambda: len(daemon.worker_pids()) == 3, what="replacement")
        ok_before = load.ok
        harness.wait_for(lambda: load.ok > ok_before + 10, what="more answers")
    assert victim not in daemon.worker_pids()


def test_sighup_can_change_the_worker_count(daemons):
    daemon = daemons(["test-api"], extra={"test_api": {"api_workers": 1}}).wait_ready()
    text = daemon.config_path.read_text().replace("api_workers = 1", "api_workers = 3")
    daemon.config_path.write_text(text)
    daemon.signal(signal.SIGHUP)
    daemon.wait_log(r"reload complete")
    harness.wait_for(
        lambda: len(daemon.worker_pids()) == 4, what="3 api + 1 rpc workers"
    )
    pids = {get(daemon.api_url("test-api") + "/")["pid"] for _ in range(30)}
    assert len(pids) > 1


def test_broken_reload_keeps_the_old_workers_serving(daemons, tmp_path):
    daemon = daemons(["test-api"]).wait_ready()
    url = daemon.api_url("test-api")
    before = daemon.worker_pids()
    missing = tmp_path / "gone-paste.ini"
    daemon.config_path.write_text(
        daemon.config_path.read_text() + f"\n[test_api]\npaste_config = {missing}\n"
    )
    daemon.signal(signal.SIGHUP)
    daemon.wait_log(r"reload aborted, old workers keep serving: .*gone-paste.ini")
    assert get(url + "/")["pid"] in before
    assert daemon.worker_pids() == before


def test_systemd_hears_ready_reload_watchdog_and_stop(daemons, tmp_path):
    path = str(tmp_path / "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(path)
    listener.settimeout(20)
    received: list[str] = []

    def until(field: str) -> None:
        while field not in received:
            received.extend(listener.recv(4096).decode().splitlines())

    try:
        env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"}
        daemon = daemons(["test-api"], env=env)
        until("READY=1")
        assert any(
            f.startswith("STATUS=workers ready: test-api api: 1/1") for f in received
        )
        until("WATCHDOG=1")
        received.clear()
        daemon.signal(signal.SIGHUP)
        until("RELOADING=1")
        until("READY=1")
        daemon.signal(signal.SIGTERM)
        until("STOPPING=1")
        assert daemon.wait_exit() == 0
    finally:
        listener.close()
