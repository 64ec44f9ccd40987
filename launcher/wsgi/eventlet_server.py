"""The eventlet backend: eventlet.wsgi in a green thread.

How eventlet.wsgi stops (eventlet 0.41, ``eventlet/wsgi.py: server()``):
killing the green thread that runs ``server()`` raises GreenletExit in its
``accept()``; its ``finally`` then marks every connection closing, calls
``shutdown()`` on the *idle* client sockets (never on the listening
socket), ``waitall()``s the pool and finally closes the listening socket
it was given. A connection busy with a request finishes that request and
is then closed; its response is sent without ``Connection: close`` (the
header is decided before the state flips) and nothing further is read
from it, so a request pipelined behind it is dropped. So ``stop()`` is
``kill()`` and ``wait()`` waits for the green thread to end.
"""

import logging
import socket
import threading
from typing import Any

import eventlet
import eventlet.wsgi

from launcher.wsgi import sockets
from launcher.wsgi.inflight import InFlight, WSGIApp
from launcher.wsgi.server import address_of

LOG = logging.getLogger(__name__)
ACCESS_LOG = logging.getLogger("launcher.wsgi.access")

# After cutting, how long to let killed requests unwind.
_CUT_GRACE = 5.0


class EventletServer:
    """eventlet.wsgi.server over a dup of a pre-bound socket."""

    def __init__(
        self, app: WSGIApp, sock: socket.socket, wsgi_conf: Any, name: str
    ) -> None:
        self._name = name
        self._conf = wsgi_conf
        self._app = InFlight(app)
        self._sock = sock.dup()
        self._address = address_of(self._sock)
        self._pool = eventlet.GreenPool(wsgi_conf.default_pool_size)
        self._thread: Any = None
        self._done = threading.Event()
        sockets.set_keepalive(self._sock, wsgi_conf.tcp_keepidle)

    @property
    def in_flight(self) -> int:
        return self._app.count

    @property
    def address(self) -> tuple[str, int]:
        return self._address

    def start(self) -> None:
        if self._thread is not None or self._done.is_set():
            return
        # eventlet reads its header line limit from a module global; there
        # is no per-server knob. All servers of a process share [wsgi].
        eventlet.wsgi.MAX_HEADER_LINE = self._conf.max_header_line
        self._thread = eventlet.spawn(
            eventlet.wsgi.server,
            self._sock,
            self._app,
            custom_pool=self._pool,
            log=ACCESS_LOG,
            log_format=self._conf.log_format,
            keepalive=self._conf.keep_alive,
            socket_timeout=self._conf.client_socket_timeout or None,
            debug=False,  # never send tracebacks to clients
        )
        self._thread.link(lambda _gt: self._done.set())

    def stop(self) -> None:
        if self._thread is None:
            self._sock.close()
            self._done.set()
            return
        # Returns once the server is parked in waitall(): no more accept(),
        # idle connections shut down. Safe to close our dup now; eventlet
        # closes it again on exit, which is a no-op.
        self._thread.kill()
        self._sock.close()

    def wait(self, timeout: float | None = None) -> bool:
        if self._done.wait(timeout):
            return True
        LOG.warning(
            "%s: cutting %d request(s) still in flight after %ss",
            self._name,
            self.in_flight,
            timeout,
        )
        for green in list(self._pool.coroutines_running):
            green.kill()
        self._done.wait(_CUT_GRACE)
        return False
