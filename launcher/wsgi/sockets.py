"""Listening sockets, bound once in the parent and shared by forked workers.

The socket is bound before fork so every worker accepts from the same
kernel queue. That sharing has one sharp edge: ``shutdown()`` acts on the
socket, not on one process's descriptor, so a worker that called it would
stop accepting in every process. Workers only ever ``close()`` their own
descriptors: the WSGI server (:mod:`launcher.wsgi.server`) does when it
stops accepting, after taking the connections already queued.
"""

import ctypes
import errno
import socket
import struct
import sys

from launcher import errors

# Linux (asm-generic/socket.h); the socket module does not name it.
_SO_ATTACH_FILTER = 26
# One classic BPF instruction, BPF_RET|BPF_K with 0: drop every packet.
# struct sock_filter {__u16 code; __u8 jt; __u8 jf; __u32 k;}
_DROP_ALL = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, 0))


def bind(host: str, port: int, backlog: int) -> socket.socket:
    """Bind and listen on ``host:port``; port 0 picks a free port.

    Each address ``getaddrinfo`` returns (IPv4 or IPv6) is tried in order,
    so ``localhost`` still works on a host without IPv6. Raises
    :class:`launcher.errors.PortInUse` with a one-line message on failure.
    """
    try:
        infos = socket.getaddrinfo(
            host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )
    except OSError as exc:
        raise _port_error(host, port, exc) from None
    first_error: OSError | None = None
    for family, socktype, proto, _, sockaddr in infos:
        try:
            return _listen(family, socktype, proto, sockaddr, backlog)
        except OSError as exc:
            first_error = first_error or exc
    assert first_error is not None  # getaddrinfo never returns an empty list
    raise _port_error(host, port, first_error) from None


def _listen(
    family: int, socktype: int, proto: int, sockaddr: tuple, backlog: int
) -> socket.socket:
    sock = socket.socket(family, socktype, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(backlog)
        # Forked workers (and a re-exec on reload) must inherit it.
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def refuse_new_connections(sock: socket.socket) -> bool:
    """From now on the kernel drops every handshake for this socket.

    For a whole stop, before the listening descriptors close: the filter
    belongs to the socket, so it holds in every process that shares it.
    Connections already queued stay and are taken by the workers as they
    drain; nothing new is queued, so nothing can be reset when the last
    descriptor closes. A client connecting meanwhile retries its SYN
    (after a second) and is then refused. Never on reload, which would
    starve the new workers. False where the kernel has no socket filters.
    """
    if not sys.platform.startswith("linux"):
        return False
    # struct sock_fprog {unsigned short len; struct sock_filter *filter;}
    program = struct.pack("HP", 1, ctypes.addressof(_DROP_ALL))
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, program)
    except OSError:
        return False
    return True


def set_keepalive(sock: socket.socket, idle: int) -> None:
    """Turn on TCP keepalive with ``idle`` seconds before the first probe.

    Set on the listening socket: Linux copies both options to every
    accepted connection, which is the only hook eventlet.wsgi offers.
    """
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_KEEPIDLE"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)


def _port_error(host: str, port: int, exc: OSError) -> errors.PortInUse:
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return errors.PortInUse(
            f"cannot listen on {where}: address already in use",
            "stop the process holding it or change bind_port",
        )
    reason = exc.strerror or str(exc) or type(exc).__name__
    return errors.PortInUse(
        f"cannot listen on {where}: {reason}", "check bind_host and bind_port"
    )
