"""One serving protocol over the two backends' WSGI servers.

The caller binds the socket (:func:`launcher.wsgi.sockets.bind`), builds
the app, and hands the server this process's descriptor of it; the
server serves from a ``dup()``. When it stops accepting, the server first
takes every connection the kernel has already queued (it serves them like
any other) and then closes both descriptors, the dup and the one it was
handed, so that this process no longer keeps the socket listening. It
never calls ``shutdown()`` on the listening socket, which would stop
every process sharing it: the parent's descriptor and the other workers'
keep it open.

Why close at all: the kernel completes handshakes into the shared queue as
long as any process has the socket open, and a connection still queued
when the last descriptor closes is reset although its client saw it
accepted. On SIGTERM the parent closes its descriptor first; each worker
that takes its queue and then closes leaves only the instant between its
last ``accept()`` and its ``close()``. On reload the parent's descriptor
keeps the socket listening throughout.

Lifecycle: ``start()`` -> ``wait_accepting(timeout)`` (the accept loop
runs) -> ``stop()`` (stop accepting, take the queue, close the listening
descriptors and idle connections) -> ``wait(timeout)`` (let in-flight
requests finish, or cut them when the timeout passes).
"""

import logging
import os
import socket
from typing import Any, Protocol

from launcher import backend
from launcher.wsgi.inflight import WSGIApp

LOG = logging.getLogger(__name__)


class Server(Protocol):
    """What the service needs from a WSGI server, whatever the backend."""

    def start(self) -> None:
        """Serve in the background; return at once."""

    def wait_accepting(self, timeout: float) -> bool:
        """True once the accept loop runs on the socket.

        False after ``timeout`` seconds, if the server ended, or if it was
        never started or already stopped. A worker calls this before it
        reports ready, so that the supervisor retires an old worker only
        once the new one takes connections.
        """

    def stop(self) -> None:
        """Stop accepting, take queued connections, close the listener.

        Idle connections are closed; requests in progress, and those on
        connections just taken, are answered (see ``wait``).
        """

    def wait(self, timeout: float | None = None) -> bool:
        """True when every request finished; False after cutting them."""

    @property
    def in_flight(self) -> int:
        """Requests being processed now."""

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) actually bound."""


def create_server(
    app: WSGIApp, sock: socket.socket, wsgi_conf: Any, name: str
) -> Server:
    """Build the server of this process's backend around a pre-bound socket.

    ``wsgi_conf`` is the ``[wsgi]`` group (``conf.wsgi``); ``name`` names the
    server in logs and thread names. Nothing is served before ``start()``.
    The server owns ``sock`` from here on and closes it when it stops
    accepting.
    """
    if backend.is_eventlet():
        from launcher.wsgi.eventlet_server import EventletServer

        return EventletServer(app, sock, wsgi_conf, name)
    from launcher.wsgi.waitress_server import WaitressServer

    return WaitressServer(app, sock, wsgi_conf, name)


def own_socket(sock: socket.socket, wsgi_conf: Any) -> socket.socket:
    """This server's own descriptor for the shared listening socket.

    Not ``sock.dup()``: that copies the object's timeout onto the new
    descriptor, and O_NONBLOCK belongs to the socket every process shares,
    so dup() of a blocking socket object (the inherited one, under
    threading) would make the socket blocking under the accept loops of
    the running workers. Keep-alive is set on the listener so accepted
    connections inherit it.
    """
    from launcher.wsgi import sockets

    own = socket.socket(
        sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno())
    )
    sockets.set_keepalive(own, wsgi_conf.tcp_keepidle)
    return own


def address_of(sock: socket.socket) -> tuple[str, int]:
    """(host, port) of a bound socket, IPv4 or IPv6."""
    host, port = sock.getsockname()[:2]
    return host, port


def take_queued(sock: socket.socket) -> tuple[socket.socket, Any] | None:
    """One connection the kernel has already queued, or None; never waits.

    ``sock`` is a plain (not green) listener; it is made non-blocking
    first, as any process can have cleared that flag of the shared socket.
    A connection its client gave up on while queued is skipped. Other
    errors (out of descriptors) propagate.
    """
    sock.setblocking(False)
    while True:
        try:
            return sock.accept()
        except (BlockingIOError, InterruptedError):
            return None
        except ConnectionAbortedError:
            continue
