"""A real server on 127.0.0.1, port 0, under the backend of this run."""

import contextlib
import http.client
import logging
import re
import socket
import threading
import time

import pytest

from launcher import backend, config
from launcher.wsgi import sample, sockets
from launcher.wsgi.server import create_server

TIMEOUT = 10.0


def wait_until(predicate, timeout=TIMEOUT, message="condition"):
    """Poll (green under eventlet) until predicate() is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.01)


@pytest.fixture
def conf():
    conf = config.new_conf()
    config.parse(conf, [], default_config_files=[])
    conf.set_override("default_pool_size", 4, "wsgi")
    return conf


@pytest.fixture
def serve(conf):
    """Start servers on fresh sockets; stop, wait and close them afterwards."""
    before = set(threading.enumerate())
    started = []

    def start(app=None):
        sock = sockets.bind("127.0.0.1", 0, 16)
        app = app or sample.SampleApp("test-api", conf)
        server = create_server(app, sock, conf.wsgi, "test")
        started.append((server, sock))
        server.start()
        return server, sock

    yield start
    for server, sock in started:
        server.stop()
        server.wait(TIMEOUT)
        sock.close()
    if not backend.is_eventlet():
        wait_until(
            lambda: set(threading.enumerate()) <= before, message="server threads"
        )


def get(address, path, timeout=TIMEOUT):
    conn = http.client.HTTPConnection(*address, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Background:
    """A GET run in a thread (a green thread under eventlet)."""

    def __init__(self, address, path):
        self.result = None
        self.error = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(address, path))
        self._thread.start()

    def _run(self, address, path):
        try:
            self.result = get(address, path)
        except Exception as exc:
            self.error = exc
        finally:
            self.done.set()

    def join(self):
        assert self.done.wait(TIMEOUT), "request did not end"
        self._thread.join(TIMEOUT)
        return self.result


def raw_connection(address):
    return socket.create_connection(address, timeout=TIMEOUT)


def read_response(conn):
    """Read one Content-Length response from a raw socket; return its head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        assert chunk, f"connection closed before a full response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in lines[1:])}
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = conn.recv(4096)
        assert chunk
        rest += chunk
    return lines[0], headers, rest[:length], rest[length:]


def assert_closed_by_server(conn):
    conn.settimeout(TIMEOUT)
    try:
        assert conn.recv(1) == b""
    except ConnectionResetError:
        pass


def test_serves_the_sample_app(serve):
    server, sock = serve()
    assert server.address == sock.getsockname()[:2]
    status, headers, body = get(server.address, "/")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert b'"binary": "test-api"' in body or b'"binary":"test-api"' in body
    assert get(server.address, "/nowhere")[0] == 404


def test_in_flight_counts_until_a_streamed_body_is_sent(serve):
    server, _ = serve()
    assert server.in_flight == 0
    request = Background(server.address, "/stream?chunks=3&delay=0.3")
    wait_until(lambda: server.in_flight == 1, message="stream in flight")
    status, _, body = request.join()
    assert status == 200
    assert body == b"chunk 0\nchunk 1\nchunk 2\n"
    wait_until(lambda: server.in_flight == 0, message="stream done")


def test_stop_finishes_in_flight_request_and_accepts_no_new_one(serve):
    server, sock = serve()
    other_worker = sock.dup()  # another process's descriptor of the socket
    slow = Background(server.address, "/slow?seconds=1")
    wait_until(lambda: server.in_flight == 1, message="slow request in flight")

    server.stop()

    # The other descriptor keeps the socket listening, so a new connection
    # is queued by the kernel; this server does not accept it.
    newcomer = http.client.HTTPConnection(*server.address, timeout=0.5)
    try:
        newcomer.request("GET", "/")
        with pytest.raises(TimeoutError):
            newcomer.getresponse()
    finally:
        newcomer.close()
        other_worker.close()

    assert server.wait(TIMEOUT) is True
    status, _, body = slow.join()
    assert slow.error is None
    assert status == 200
    assert body == b'{"slept": 1.0}' or body == b'{"slept":1.0}'
    assert server.in_flight == 0


def test_wait_timeout_cuts_requests_and_returns_false(serve, caplog):
    server, _ = serve()
    slow = Background(server.address, "/slow?seconds=1")
    wait_until(lambda: server.in_flight == 1, message="slow request in flight")
    server.stop()

    assert server.wait(0.1) is False

    slow.join()
    assert slow.result is None
    assert isinstance(slow.error, (http.client.HTTPException, ConnectionError))
    assert "cutting 1 request(s)" in caplog.text
    wait_until(lambda: server.in_flight == 0, message="cut request unwound")


def test_stop_closes_idle_keep_alive_connection(serve):
    server, _ = serve()
    with raw_connection(server.address) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        status, headers, _, _ = read_response(conn)
        assert status.endswith("200 OK")
        assert headers.get("connection", "").lower() != "close"

        server.stop()

        assert_closed_by_server(conn)
    assert server.wait(TIMEOUT) is True


def test_busy_connection_is_closed_after_its_response_when_draining(serve):
    server, _ = serve()
    with raw_connection(server.address) as conn:
        conn.sendall(b"GET /slow?seconds=0.5 HTTP/1.1\r\nHost: test\r\n\r\n")
        wait_until(lambda: server.in_flight == 1, message="slow request in flight")
        server.stop()
        # Pipelined behind the request in flight: dropped with the
        # connection, which HTTP allows (the client retries elsewhere).
        conn.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")

        status, headers, body, rest = read_response(conn)
        assert status.endswith("200 OK")
        assert b"slept" in body
        if not backend.is_eventlet():
            # waitress is told before it writes the headers; eventlet.wsgi
            # has already decided them and just closes afterwards.
            assert headers["connection"] == "close"
        assert rest == b""
        assert_closed_by_server(conn)
    assert server.wait(TIMEOUT) is True


def test_stop_closes_only_this_process_descriptors(serve, conf):
    server, sock = serve()
    other_worker = sock.dup()  # what another worker inherited
    assert get(server.address, "/")[0] == 200
    server.stop()
    assert server.wait(TIMEOUT) is True

    # The descriptor handed to the server is closed with its own...
    assert sock.fileno() == -1
    # ...but never shutdown(): other workers sharing the socket are
    # unaffected, and a new server can take over on theirs.
    successor = create_server(
        sample.SampleApp("successor", conf), other_worker, conf.wsgi, "successor"
    )
    successor.start()
    try:
        status, _, body = get(successor.address, "/")
        assert status == 200
        assert b"successor" in body
    finally:
        successor.stop()
        assert successor.wait(TIMEOUT) is True


def test_stop_and_wait_before_start(conf):
    sock = sockets.bind("127.0.0.1", 0, 16)
    try:
        server = create_server(sample.SampleApp("x", conf), sock, conf.wsgi, "idle")
        server.stop()
        assert server.wait(0) is True
        server.stop()
    finally:
        sock.close()


def test_app_exception_does_not_leak_in_flight(serve):
    def broken(environ, start_response):
        raise RuntimeError("boom")

    server, _ = serve(broken)
    status, _, _ = get(server.address, "/")
    assert status == 500
    wait_until(lambda: server.in_flight == 0, message="in_flight back to 0")


def test_keep_alive_off_closes_after_each_response(serve, conf):
    conf.set_override("keep_alive", False, "wsgi")
    server, _ = serve()
    with raw_connection(server.address) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        status, headers, _, rest = read_response(conn)
        assert status.endswith("200 OK")
        assert headers["connection"].lower() == "close"
        assert rest == b""
        assert_closed_by_server(conn)


def test_wait_without_stop_stops_and_cuts(serve):
    server, _ = serve()
    slow = Background(server.address, "/slow?seconds=1")
    wait_until(lambda: server.in_flight == 1, message="slow request in flight")

    assert server.wait(0.1) is False

    slow.join()
    assert slow.error is not None
    # It stopped, and no other process holds the socket: nothing listens.
    with pytest.raises(ConnectionRefusedError):
        raw_connection(server.address).close()
    wait_until(lambda: server.in_flight == 0, message="cut request unwound")


def test_access_log_line_per_request(serve, caplog):
    caplog.set_level(logging.INFO, logger="launcher.wsgi.access")
    server, _ = serve()
    get(server.address, "/stream?chunks=2")
    wait_until(lambda: server.in_flight == 0, message="request done")
    lines = [r.getMessage() for r in caplog.records if r.name == "launcher.wsgi.access"]
    assert len(lines) == 1
    # HTTP version as the server reports it: eventlet always says 1.0.
    assert re.match(
        r'127.0.0.1 "GET /stream\?chunks=2 HTTP/1.[01]" status: 200 ', lines[0]
    )
    assert "len: 16 " in lines[0]


def backend_module():
    if backend.is_eventlet():
        from launcher.wsgi import eventlet_server

        return eventlet_server
    from launcher.wsgi import waitress_server

    return waitress_server


def accepted_but_silent(server):
    """A connection the server has accepted and read nothing from.

    The kernel queues connections in order and the server accepts them in
    order, so once a later connection was answered, this one was accepted.
    """
    conn = raw_connection(server.address)
    assert get(server.address, "/")[0] == 200
    return conn


def test_request_on_connection_accepted_before_stop_is_answered(serve):
    server, _ = serve()
    with accepted_but_silent(server) as conn:
        server.stop()
        conn.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")

        status, headers, body, rest = read_response(conn)
        assert status.endswith("200 OK")
        assert b"test-api" in body
        if not backend.is_eventlet():
            assert headers["connection"] == "close"
        assert rest == b""
        assert_closed_by_server(conn)
    assert server.wait(TIMEOUT) is True


def test_silent_connection_is_closed_after_the_grace(serve, monkeypatch):
    monkeypatch.setattr(backend_module(), "FRESH_GRACE", 0.3)
    server, _ = serve()
    with accepted_but_silent(server) as conn:
        started = time.monotonic()
        server.stop()
        assert server.wait(TIMEOUT) is True
        assert time.monotonic() - started < TIMEOUT / 2
        assert_closed_by_server(conn)


def test_stop_with_no_other_descriptor_refuses_new_connections(serve):
    server, sock = serve()
    assert get(server.address, "/")[0] == 200
    server.stop()
    # Refused, never accepted by the kernel and then reset.
    with pytest.raises(ConnectionRefusedError):
        raw_connection(server.address).close()
    assert sock.fileno() == -1
    assert server.wait(TIMEOUT) is True


@contextlib.contextmanager
def accept_loop_held(server):
    """Yield a connect(address) that queues connections the server has not taken.

    The kernel completes each handshake into the listen queue; the server's
    accept loop does not run until ``server.stop()``, whose drain must take
    them. The sockets yielded are this backend's, ready to read from.
    """
    if backend.is_eventlet():
        # The server's green thread only runs when this one yields, and a
        # native socket connects and sends without yielding.
        native = backend.native_module("socket")

        def connect(address):
            raw = native.create_connection(address, timeout=TIMEOUT)
            return socket.socket(fileno=raw.detach())

        yield connect
        return
    # waitress: the loop thread asks the listener readable() before every
    # poll; hold it there until stop() has begun the drain, then leave the
    # listener out of the poll, so that only the drain can take them.
    readable = server._server.readable
    held = threading.Event()

    def hold():
        held.set()
        server._draining.wait(TIMEOUT)
        return False

    server._server.readable = hold
    wait_until(held.is_set, message="loop thread held")

    def connect(address):
        return socket.create_connection(address, timeout=TIMEOUT)

    try:
        yield connect
    finally:
        server._server.readable = readable


def test_stop_serves_connections_queued_by_the_kernel(serve):
    server, _ = serve()
    assert server.wait_accepting(TIMEOUT) is True
    with accept_loop_held(server) as connect:
        queued = [connect(server.address) for _ in range(3)]
        for conn in queued:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        server.stop()
    for conn in queued:
        with conn:
            status, _, body, rest = read_response(conn)
            assert status.endswith("200 OK")
            assert b"test-api" in body
            assert rest == b""
            assert_closed_by_server(conn)
    assert server.wait(TIMEOUT) is True
    with pytest.raises(ConnectionRefusedError):
        raw_connection(server.address).close()


def test_wait_accepting_once_the_accept_loop_runs(serve, conf):
    sock = sockets.bind("127.0.0.1", 0, 16)
    idle = create_server(sample.SampleApp("x", conf), sock, conf.wsgi, "idle")
    assert idle.wait_accepting(0) is False  # never started
    idle.stop()
    assert sock.fileno() == -1
    server, _ = serve()
    assert server.wait_accepting(TIMEOUT) is True
    assert server.wait_accepting(0) is True
    assert get(server.address, "/")[0] == 200
    server.stop()
    assert server.wait_accepting(TIMEOUT) is False


def test_wait_accepting_false_when_the_loop_never_accepts(serve, monkeypatch):
    release = threading.Event()
    if backend.is_eventlet():
        import eventlet.wsgi

        # A server green thread that never reaches accept().
        monkeypatch.setattr(
            eventlet.wsgi, "server", lambda *a, **kw: release.wait(TIMEOUT)
        )
    else:
        # A loop that never polls the listener.
        monkeypatch.setattr(backend_module(), "_watch_readable", lambda *a: None)
    server, _ = serve()
    started = time.monotonic()
    assert server.wait_accepting(0.3) is False
    assert time.monotonic() - started >= 0.3
    release.set()


def test_wait_accepting_false_when_the_server_dies(serve, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    if backend.is_eventlet():
        import eventlet.wsgi

        monkeypatch.setattr(eventlet.wsgi, "server", broken)
    else:
        from waitress import wasyncore

        monkeypatch.setattr(wasyncore, "loop", broken)
    server, _ = serve()
    started = time.monotonic()
    assert server.wait_accepting(TIMEOUT) is False
    assert time.monotonic() - started < TIMEOUT / 2


@pytest.mark.skipif(not backend.is_eventlet(), reason="eventlet's hub only")
def test_wait_outlasts_a_stray_wake_up_of_eventlets_waitall(serve):
    """eventlet's hub can switch into the server green thread once more.

    It collects the callbacks of one poll before calling any; when stop()
    runs from the first, the accept callback collected with it wakes the
    server green thread's waitall() early and eventlet.wsgi.server()
    returns with requests still running. Done here by hand.
    """
    import eventlet.hubs
    import greenlet

    server, _ = serve()
    slow = Background(server.address, "/slow?seconds=0.5")
    wait_until(lambda: server.in_flight == 1, message="slow request in flight")
    server.stop()

    eventlet.hubs.get_hub().schedule_call_global(0, greenlet.getcurrent().switch)
    server._thread.switch()  # the stray wake-up
    assert server._thread.dead

    assert server.wait(TIMEOUT) is True
    assert server.in_flight == 0
    status, _, body = slow.join()
    assert status == 200
    assert b"slept" in body


def test_refusing_new_connections_keeps_those_already_queued():
    sock = sockets.bind("127.0.0.1", 0, 16)
    address = sock.getsockname()
    try:
        queued = raw_connection(address)
        assert sockets.refuse_new_connections(sock) is True
        # The kernel drops the newcomer's SYN: no handshake completes.
        with pytest.raises(TimeoutError):
            socket.create_connection(address, timeout=0.5).close()
        conn, _ = sock.accept()  # what was queued before is still there
        conn.close()
        queued.close()
    finally:
        sock.close()
    with pytest.raises(ConnectionRefusedError):
        raw_connection(address).close()
