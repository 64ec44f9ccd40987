"""One serving protocol over the two backends' WSGI servers.

The caller binds the socket (:func:`launcher.wsgi.sockets.bind`), builds
the app, and gets back a :class:`Server` that serves from a ``dup()`` of
the socket. The caller keeps its own descriptor: in a worker that is the
descriptor inherited from the parent, and closing or keeping it is the
caller's business. The server never calls ``shutdown()`` on the listening
socket, since every worker accepts from it.

Lifecycle: ``start()`` -> ``stop()`` (stop accepting, close idle
connections) -> ``wait(timeout)`` (let in-flight requests finish, or cut
them when the timeout passes).
"""

import logging
import socket
from typing import Any, Protocol

from launcher import backend
from launcher.wsgi.inflight import WSGIApp

LOG = logging.getLogger(__name__)


class Server(Protocol):
    """What the service needs from a WSGI server, whatever the backend."""

    def start(self) -> None:
        """Serve in the background; return at once."""

    def stop(self) -> None:
        """Stop accepting and close idle connections; let requests finish."""

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
    """
    if backend.is_eventlet():
        from launcher.wsgi.eventlet_server import EventletServer

        return EventletServer(app, sock, wsgi_conf, name)
    from launcher.wsgi.waitress_server import WaitressServer

    return WaitressServer(app, sock, wsgi_conf, name)


def own_socket(sock: socket.socket, wsgi_conf: Any) -> socket.socket:
    """This server's own descriptor for the shared listening socket.

    Serving from a dup leaves the caller's descriptor alone (see above);
    keep-alive is set on the listener so accepted connections inherit it.
    """
    from launcher.wsgi import sockets

    own = sock.dup()
    sockets.set_keepalive(own, wsgi_conf.tcp_keepidle)
    return own


def address_of(sock: socket.socket) -> tuple[str, int]:
    """(host, port) of a bound socket, IPv4 or IPv6."""
    host, port = sock.getsockname()[:2]
    return host, port
