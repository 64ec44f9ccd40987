import errno
import socket

import pytest

from launcher import errors
from launcher.wsgi import sockets


def test_port_zero_binds_a_free_port():
    sock = sockets.bind("127.0.0.1", 0, 8)
    try:
        host, port = sock.getsockname()[:2]
        assert host == "127.0.0.1"
        assert port > 0
        assert sock.get_inheritable()
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
        with socket.create_connection((host, port), timeout=5):
            pass
    finally:
        sock.close()


def test_taken_port_raises_port_in_use_on_one_line():
    holder = sockets.bind("127.0.0.1", 0, 8)
    port = holder.getsockname()[1]
    try:
        with pytest.raises(errors.PortInUse) as info:
            sockets.bind("127.0.0.1", port, 8)
    finally:
        holder.close()
    message = str(info.value)
    assert message == (
        f"cannot listen on 127.0.0.1:{port}: address already in use; "
        "stop the process holding it or change bind_port"
    )
    assert "\n" not in message
    assert info.value.exit_code == errors.EXIT_RUNTIME


def test_other_os_error_gives_its_strerror():
    # 192.0.2.1 (TEST-NET-1) is not an address of this host.
    with pytest.raises(errors.PortInUse) as info:
        sockets.bind("192.0.2.1", 0, 8)
    assert str(info.value).startswith("cannot listen on 192.0.2.1:0: ")
    assert "\n" not in str(info.value)
    assert info.value.__cause__ is None


def test_ipv6_loopback():
    try:
        sock = sockets.bind("::1", 0, 8)
    except errors.PortInUse as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    try:
        assert sock.family == socket.AF_INET6
        port = sock.getsockname()[1]
        with socket.create_connection(("::1", port), timeout=5):
            pass
    finally:
        sock.close()


def test_keepalive_set_on_listener_reaches_accepted_connections():
    if not hasattr(socket, "TCP_KEEPIDLE"):
        pytest.skip("no TCP_KEEPIDLE on this platform")
    sock = sockets.bind("127.0.0.1", 0, 8)
    try:
        sockets.set_keepalive(sock, 42)
        sock.settimeout(5)
        with socket.create_connection(sock.getsockname(), timeout=5):
            conn, _ = sock.accept()
            with conn:
                assert conn.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 42
    finally:
        sock.close()


def test_port_error_brackets_ipv6_hosts():
    exc = sockets._port_error("::1", 80, OSError(errno.EADDRINUSE, "in use"))
    assert str(exc).startswith("cannot listen on [::1]:80: address already in use")
