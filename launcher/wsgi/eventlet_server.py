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

One gap: "idle" also covers a connection accepted a moment ago whose
request has not been read yet. eventlet would shut it down and the client,
which sent its request to a live server, gets no answer; under load
every worker rotation loses a few requests that way. So the pool tags
each new connection *fresh* in eventlet's per-connection state list
(``[address, socket, state]``, handed to ``pool.spawn``) until its request
line is read; eventlet's ``finally`` leaves such connections alone, and
:func:`_settle_fresh` gives them :data:`FRESH_GRACE` seconds to send a
request, which is then answered before the connection closes.
"""

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import eventlet
import eventlet.greenio
import eventlet.wsgi

from launcher.wsgi.accesslog import AccessLog
from launcher.wsgi.inflight import InFlight, WSGIApp
from launcher.wsgi.server import address_of, own_socket

LOG = logging.getLogger(__name__)

# After cutting, how long to let killed requests unwind.
_CUT_GRACE = 5.0
# How long a connection accepted before stop() may take to send its request.
FRESH_GRACE = 2.0
_FRESH = "svc_launch-fresh"  # not one of eventlet's STATE_* values
_SETTLE_INTERVAL = 0.05


class _TrackingPool(eventlet.GreenPool):
    """A GreenPool that tags new connections fresh and keeps their state."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.states: dict[int, list[Any]] = {}

    def spawn(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        green = super().spawn(function, *args, **kwargs)
        # eventlet.wsgi.server calls spawn(process_request, [addr, sock, state])
        # and links its cleanup on the result. The new green thread has not
        # run yet, so nothing has read from the connection.
        state = args[0] if args else None
        if isinstance(state, list) and len(state) == 3:
            state[2] = _FRESH
            self.states[id(state)] = state
            green.link(lambda _green: self.states.pop(id(state), None))
        return green


class EventletServer:
    """eventlet.wsgi.server over a dup of a pre-bound socket."""

    def __init__(
        self, app: WSGIApp, sock: socket.socket, wsgi_conf: Any, name: str
    ) -> None:
        self._name = name
        self._conf = wsgi_conf
        # eventlet's own logging is off: its access line would come after
        # the request context is gone. AccessLog writes that line and logs
        # what escapes the app, which eventlet would have logged.
        self._app = InFlight(AccessLog(app, wsgi_conf.log_format, log_errors=True))
        self._sock = own_socket(sock, wsgi_conf)
        self._address = address_of(self._sock)
        self._pool = _TrackingPool(wsgi_conf.default_pool_size)
        self._thread: Any = None
        self._stopped = False
        self._done = threading.Event()

    @property
    def in_flight(self) -> int:
        return self._app.count

    @property
    def address(self) -> tuple[str, int]:
        return self._address

    def start(self) -> None:
        if self._thread is not None or self._stopped:
            return
        # eventlet reads its header line limit from a module global; there
        # is no per-server knob. All servers of a process share [wsgi].
        eventlet.wsgi.MAX_HEADER_LINE = self._conf.max_header_line
        self._thread = eventlet.spawn(
            eventlet.wsgi.server,
            self._sock,
            self._app,
            custom_pool=self._pool,
            log_output=False,
            keepalive=self._conf.keep_alive,
            socket_timeout=self._conf.client_socket_timeout or None,
            debug=False,  # never send tracebacks to clients
        )
        self._thread.link(lambda _gt: self._done.set())
        LOG.info("%s: serving on http://%s:%s (eventlet)", self._name, *self._address)

    def stop(self) -> None:
        if self._stopped:
            return  # a second kill would break eventlet out of its waitall()
        self._stopped = True
        if self._thread is None:
            self._sock.close()
            self._done.set()
            return
        fresh = [s for s in self._pool.states.values() if s[2] == _FRESH]
        # Returns once the server is parked in waitall(): no more accept(),
        # idle connections shut down. Safe to close our dup now; eventlet
        # closes it again on exit, which is a no-op.
        self._thread.kill()
        self._sock.close()
        if fresh:
            eventlet.spawn(_settle_fresh, fresh, self._pool.states)

    def wait(self, timeout: float | None = None) -> bool:
        if self._done.wait(timeout):
            return True
        LOG.warning(
            "%s: cutting %d request(s) still in flight after %ss",
            self._name,
            self.in_flight,
            timeout,
        )
        self.stop()  # in case the caller did not
        for green in list(self._pool.coroutines_running):
            green.kill()
        self._done.wait(_CUT_GRACE)
        return False


def _settle_fresh(fresh: list[list[Any]], live: dict[int, list[Any]]) -> None:
    """Close connections that were fresh at stop() once they are served.

    eventlet's ``finally`` marked them closing; reading a request line
    overwrites that mark, so it is set again here, and eventlet closes the
    connection after answering. One that never sends a request within
    FRESH_GRACE, or is already idle again, is shut down like eventlet shuts
    down idle connections.
    """
    deadline = time.monotonic() + FRESH_GRACE
    while fresh:
        for state in list(fresh):
            if id(state) not in live:
                fresh.remove(state)
            elif state[2] == eventlet.wsgi.STATE_REQUEST:
                state[2] = eventlet.wsgi.STATE_CLOSE
                fresh.remove(state)
            elif state[2] == eventlet.wsgi.STATE_IDLE or time.monotonic() > deadline:
                eventlet.greenio.shutdown_safe(state[1])
                fresh.remove(state)
        eventlet.sleep(_SETTLE_INTERVAL)
