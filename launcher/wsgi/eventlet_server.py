"""The eventlet backend: eventlet.wsgi in a green thread.

eventlet.wsgi.server() runs in a green thread over a :class:`_Listener`,
this process's listening socket as eventlet sees it (it only calls
``getsockname()``, ``family``, ``accept()`` and ``close()``). The listener
marks when the accept loop has entered ``accept()``, which is what
:meth:`EventletServer.wait_accepting` reports.

How it stops. ``stop()`` throws :class:`_StopAccepting` into the server
green thread, parked in ``accept()``. From then on ``accept()`` hands
eventlet only the connections the kernel had already queued, without
waiting; once the queue is empty it closes this process's descriptors of
the socket and raises ESHUTDOWN, on which eventlet leaves its accept loop
(eventlet 0.41, ``eventlet/wsgi.py: server()``). Its ``finally`` then marks
every connection closing, calls ``shutdown()`` on the *idle* client
sockets (never on the listening socket), ``waitall()``s the pool and
closes the listener again (a no-op). A connection busy with a request
finishes it and is then closed; its response is sent without
``Connection: close`` (the header is decided before the state flips) and
nothing further is read from it, so a request pipelined behind it is
dropped.

Fresh connections. "Idle" also covers a connection accepted a moment ago
(or just taken from the queue) whose request has not been read yet;
eventlet would shut it down and the client, which sent its request to a
live server, gets no answer. So the pool tags each new connection *fresh*
in eventlet's per-connection state list (``[address, socket, state]``,
handed to ``pool.spawn``) until its request line is read; eventlet's
``finally`` leaves such connections alone, and :func:`_settle_fresh` gives
them :data:`FRESH_GRACE` seconds to send a request, which is then
answered before the connection closes.

``wait()`` waits for the pool itself, not for eventlet's ``waitall()``.
eventlet's epoll hub collects the callbacks of one poll before calling
any: when a worker's SIGTERM wake-up and a new connection arrive in the
same poll, the first callback runs ``stop()`` (the server green thread
goes from ``accept()`` into ``waitall()``), and the hub then calls the
accept callback it had already collected, a stray switch into the server
green thread that ends its ``waitall()`` at once. ``server()`` then
returns with requests still running; a worker that trusted it exited and
cut them (``RemoteDisconnected``, a few per reload under load).
"""

import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import eventlet
import eventlet.greenio
import eventlet.hubs
import eventlet.wsgi
import greenlet

from launcher.wsgi.accesslog import AccessLog
from launcher.wsgi.inflight import InFlight, WSGIApp
from launcher.wsgi.server import address_of, own_socket, take_queued

LOG = logging.getLogger(__name__)

# After cutting, how long to let killed requests unwind.
_CUT_GRACE = 5.0
# How long a connection accepted before stop() may take to send its request.
FRESH_GRACE = 2.0
_FRESH = "svc_launch-fresh"  # not one of eventlet's STATE_* values
_SETTLE_INTERVAL = 0.05


class _StopAccepting(greenlet.GreenletExit):
    """Thrown into the accept loop by ``stop()``; ends nothing by itself."""


class _TrackingPool(eventlet.GreenPool):
    """A GreenPool that tags new connections fresh and says when it is empty."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.states: dict[int, list[Any]] = {}
        self.empty = threading.Event()
        self.empty.set()

    def spawn(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        green = super().spawn(function, *args, **kwargs)
        self.empty.clear()
        # eventlet.wsgi.server calls spawn(process_request, [addr, sock, state])
        # and links its cleanup on the result. The new green thread has not
        # run yet, so nothing has read from the connection.
        state = args[0] if args else None
        if isinstance(state, list) and len(state) == 3:
            state[2] = _FRESH
            self.states[id(state)] = state
            green.link(lambda _green: self.states.pop(id(state), None))
        # Linked after GreenPool's own bookkeeping, which runs first.
        green.link(self._one_done)
        return green

    def _one_done(self, _green: Any) -> None:
        if not self.coroutines_running:
            self.empty.set()

    def fresh(self) -> list[list[Any]]:
        return [s for s in self.states.values() if s[2] == _FRESH]


class _Listener:
    """This process's listening socket, as eventlet.wsgi.server() uses it."""

    def __init__(
        self,
        sock: Any,
        shared: socket.socket,
        on_enter: Callable[[], None],
        on_close: Callable[[], None],
    ) -> None:
        self._sock = sock  # the server's dup, a GreenSocket
        self._shared = shared  # the descriptor the caller handed over
        self._on_enter = on_enter
        self._on_close = on_close
        self.family = sock.family
        self.entered = False  # the accept loop has called accept()
        self.parked = False  # the server green thread waits in accept()
        self.stopping = False

    def getsockname(self) -> Any:
        return self._sock.getsockname()

    def accept(self) -> tuple[Any, Any]:
        if not self.stopping:
            if not self.entered:
                self.entered = True
                self._on_enter()
            self.parked = True
            try:
                return self._sock.accept()
            except _StopAccepting:
                self.stopping = True
            finally:
                self.parked = False
        return self._take_queued()

    def stop(self, server_thread: Any) -> None:
        """Make the accept loop take what is queued, close, and end."""
        self.stopping = True
        if self.parked:
            server_thread.kill(_StopAccepting())
        # Otherwise the server green thread is in pool.spawn() (the pool is
        # full) or has not run yet: its next accept() drains and ends.

    def _take_queued(self) -> tuple[Any, Any]:
        # Our dup alone keeps this process's hold on the socket, so that
        # nothing but the last accept() comes between the queue found empty
        # and the close that may end the listening. (On a whole stop the
        # parent's socket filter keeps new connections out of the queue.)
        self._shared.close()
        try:
            queued = take_queued(self._sock.fd)
        except OSError as exc:
            LOG.warning("could not take queued connections: %s", exc)
            queued = None
        if queued is not None:
            client, address = queued
            # What GreenSocket.accept() does with what the kernel returns.
            eventlet.hubs.notify_opened(client.fileno())
            return type(self._sock)(client), address
        self._sock.close()
        self._on_close()
        raise OSError(errno.ESHUTDOWN, "stopped accepting")

    def close(self) -> None:
        self._shared.close()
        self._sock.close()


class EventletServer:
    """eventlet.wsgi.server over this process's descriptor of a pre-bound socket."""

    def __init__(
        self, app: WSGIApp, sock: socket.socket, wsgi_conf: Any, name: str
    ) -> None:
        self._name = name
        self._conf = wsgi_conf
        # eventlet's own logging is off: its access line would come after
        # the request context is gone. AccessLog writes that line and logs
        # what escapes the app, which eventlet would have logged.
        self._app = InFlight(AccessLog(app, wsgi_conf.log_format, log_errors=True))
        own = own_socket(sock, wsgi_conf)
        self._address = address_of(own)
        self._pool = _TrackingPool(wsgi_conf.default_pool_size)
        self._changed = threading.Event()  # entered accept(), or ended
        self._listener = _Listener(own, sock, self._changed.set, self._closed)
        self._thread: Any = None
        self._stopped = False
        self._done = threading.Event()  # the server green thread ended

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
            self._listener,
            self._app,
            custom_pool=self._pool,
            log_output=False,
            keepalive=self._conf.keep_alive,
            socket_timeout=self._conf.client_socket_timeout or None,
            debug=False,  # never send tracebacks to clients
        )
        self._thread.link(self._ended)
        LOG.info("%s: serving on http://%s:%s (eventlet)", self._name, *self._address)

    def wait_accepting(self, timeout: float) -> bool:
        if self._thread is None or self._stopped:
            return False
        self._changed.wait(timeout)
        return self._listener.entered and not self._stopped and not self._done.is_set()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._thread is None:
            self._listener.close()
            self._done.set()
            return
        # Returns once the server green thread has taken the queue, closed
        # the listener and parked in waitall() (or, with a full pool, is
        # bound to do so on its next accept()).
        self._listener.stop(self._thread)

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._done.wait(timeout) and self._pool.empty.wait(_left(deadline)):
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
        deadline = time.monotonic() + _CUT_GRACE
        self._done.wait(_CUT_GRACE)
        self._pool.empty.wait(_left(deadline))
        return False

    def _closed(self) -> None:
        """The listener is closed: settle the connections still fresh."""
        fresh = self._pool.fresh()
        if fresh:
            eventlet.spawn(_settle_fresh, fresh, self._pool.states)

    def _ended(self, _thread: Any) -> None:
        self._done.set()
        self._changed.set()
        if not self._stopped:
            LOG.error("%s: the server stopped accepting on its own", self._name)
        self._listener.close()  # if it ended before closing it


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


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
