"""The threading backend: waitress, with a drain waitress does not have.

waitress 3 runs one asyncore-style loop (listener, a wake-up pipe called
the trigger, one channel per connection) and a pool of task threads that
run the application. Its own shutdown closes everything at once, so the
drain is ours, run inside the loop thread between two polls:

1. ``stop()`` sets ``draining`` and pulls the trigger. The loop thread
   takes the listener out of the loop, takes the connections the kernel
   has already queued (each a new channel, fresh as below), closes this
   process's descriptors of the socket (the dup and the one handed over;
   no ``shutdown()``, see :mod:`launcher.wsgi.server`), and closes every
   idle channel.
2. A channel is busy while it has a queued or running request
   (``requests``), a partly received one (``request``) or unsent output
   (``total_outbufs_len``). waitress pops a request only after the app's
   body was closed and all of it was queued for sending, so "no busy
   channel" means every response was fully handed to the kernel. A
   channel accepted a moment ago that has not sent its first request yet
   is not idle either: its client sent a request to a live server and
   expects an answer, so it gets :data:`FRESH_GRACE` seconds from its
   accept to send it (closing such connections at once lost a few
   requests on every worker rotation under load).
3. A request served while draining -- the one in flight, or one that
   arrives on a connection still open -- is answered with
   ``Connection: close`` and the connection closed after it: the request
   is marked ``Connection: close`` before waitress writes its headers.
   Requests pipelined behind it are dropped with the connection, as HTTP
   allows. A request arriving on an idle connection in the instant it is
   closed sees the connection close, as with any keep-alive server.
4. When no channel is busy the loop ends: task threads are stopped, and
   only then the trigger is closed (a task thread still pulling it would
   otherwise write into a closed, perhaps reused, descriptor).

Cutting (``wait`` timed out) closes the busy channels: a task still in
the application fails its next write and ends; the loop thread joins the
task threads in the background before closing the trigger.

Readiness (``wait_accepting``): the listener's ``readable()`` is called by
the loop thread as it registers the listener for the next poll; the first
time it answers yes, the accept loop is running.
"""

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import waitress.server
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel

from launcher.wsgi.accesslog import AccessLog
from launcher.wsgi.inflight import InFlight, WSGIApp
from launcher.wsgi.server import address_of, own_socket, take_queued

LOG = logging.getLogger(__name__)

# client_socket_timeout = 0 means "forever"; waitress needs a number.
_FOREVER = 365 * 24 * 3600
# How long stop() waits for the loop thread to drop the listener, and
# wait() for it to close connections once told to cut.
_ACK_TIMEOUT = 10.0
# How long a connection accepted before stop() may take to send its request.
FRESH_GRACE = 2.0
# Poll timeout while draining, so the fresh-connection grace is kept.
_DRAIN_POLL = 0.1


def _adjustments(conf: Any) -> dict[str, Any]:
    return {
        "threads": conf.default_pool_size,
        # Idle keep-alive connections hold no thread here, so keep
        # waitress's own limit unless the pool is bigger; the limit also
        # counts the listener and the trigger.
        "connection_limit": max(
            Adjustments.connection_limit, conf.default_pool_size + 2
        ),
        # waitress re-listens with its own backlog (1024 by default).
        "backlog": conf.backlog,
        "channel_timeout": conf.client_socket_timeout or _FOREVER,
        # waitress has no per-line limit, only one on all headers.
        "max_request_header_size": max(
            conf.max_header_line, Adjustments.max_request_header_size
        ),
        # Like eventlet.wsgi: X-Forwarded-* reach the app, which decides
        # (oslo_middleware.http_proxy_to_wsgi).
        "clear_untrusted_proxy_headers": False,
        "asyncore_use_poll": True,  # select() stops at fd 1024
    }


def _draining_channel(draining: threading.Event, keep_alive: bool) -> type:
    """A channel class that answers with ``Connection: close`` when told."""

    class Channel(HTTPChannel):
        svc_launch_served = False  # set once a request was taken up

        def service(self) -> None:
            self.svc_launch_served = True
            if (draining.is_set() or not keep_alive) and self.requests:
                _mark_close(self.requests[0])
            super().service()

    return Channel


def _mark_close(request: Any) -> None:
    # waitress reads this request header when it builds the response
    # headers, and then sends Connection: close and closes after flushing.
    request.headers["CONNECTION"] = "close"


def _watch_readable(server: Any, on_accepting: Callable[[], None]) -> None:
    """Call ``on_accepting`` when the loop registers the listener for reading."""
    readable = server.readable

    def watched() -> bool:
        wanted = readable()
        if wanted:
            on_accepting()
        return wanted

    server.readable = watched


def _busy(channel: Any, now: float) -> bool:
    if channel.requests or channel.request is not None or channel.total_outbufs_len:
        return True
    # Accepted, nothing received yet: its request is likely on the wire.
    fresh = not channel.svc_launch_served
    return fresh and now - channel.creation_time < FRESH_GRACE


class WaitressServer:
    """waitress over a dup of a pre-bound socket, with a graceful drain."""

    def __init__(
        self, app: WSGIApp, sock: socket.socket, wsgi_conf: Any, name: str
    ) -> None:
        self._name = name
        self._conf = wsgi_conf
        # waitress writes no access log, and logs escaping errors itself.
        self._app = InFlight(AccessLog(app, wsgi_conf.log_format, log_errors=False))
        self._sock = own_socket(sock, wsgi_conf)
        self._shared = sock  # the descriptor handed over; closed with ours
        self._address = address_of(self._sock)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._draining = threading.Event()
        self._cut = threading.Event()
        self._listener_closed = threading.Event()
        self._accepting = threading.Event()  # the loop polls the listener
        self._changed = threading.Event()  # accepting, or the loop ended
        self._drained = threading.Event()  # all answered, or all cut
        self._trigger_lock = threading.Lock()
        self._trigger_open = False
        self._busy_channels = 0
        self._crashed = False

    @property
    def in_flight(self) -> int:
        return self._app.count

    @property
    def address(self) -> tuple[str, int]:
        return self._address

    # -- caller side -----------------------------------------------------

    def start(self) -> None:
        if self._thread is not None or self._draining.is_set():
            return
        # Built here, not in __init__: waitress starts its task threads
        # as soon as the server object exists.
        self._server = waitress.server.create_server(
            self._app, sockets=[self._sock], **_adjustments(self._conf)
        )
        self._server.channel_class = _draining_channel(
            self._draining, self._conf.keep_alive
        )
        _watch_readable(self._server, self._on_accepting)
        self._trigger_open = True
        self._thread = threading.Thread(
            target=self._run, name=f"wsgi-{self._name}", daemon=True
        )
        self._thread.start()
        LOG.info("%s: serving on http://%s:%s (waitress)", self._name, *self._address)

    def wait_accepting(self, timeout: float) -> bool:
        if self._thread is None or self._draining.is_set():
            return False
        self._changed.wait(timeout)
        return (
            self._accepting.is_set()
            and not self._draining.is_set()
            and not self._drained.is_set()
        )

    def stop(self) -> None:
        self._draining.set()
        if self._thread is None:
            self._close_sockets()
            self._drained.set()
            return
        self._wake()
        if threading.current_thread() is not self._thread:
            if not self._listener_closed.wait(_ACK_TIMEOUT):
                LOG.warning("%s: server loop did not stop accepting", self._name)

    def wait(self, timeout: float | None = None) -> bool:
        if self._drained.wait(timeout):
            if self._thread is not None:
                self._thread.join(_ACK_TIMEOUT)
            return not self._crashed
        LOG.warning(
            "%s: cutting %d request(s) on %d connection(s) still in flight after %ss",
            self._name,
            self.in_flight,
            self._busy_channels,
            timeout,
        )
        self._cut.set()
        self.stop()  # in case the caller did not; wakes the loop
        self._drained.wait(_ACK_TIMEOUT)
        return False

    def _close_sockets(self) -> None:
        self._sock.close()
        self._shared.close()

    def _wake(self) -> None:
        with self._trigger_lock:
            if self._trigger_open:
                self._server.pull_trigger()

    # -- loop thread -----------------------------------------------------

    def _on_accepting(self) -> None:
        if not self._draining.is_set():
            self._accepting.set()
            self._changed.set()

    def _run(self) -> None:
        server = self._server
        try:
            while True:
                draining = self._draining.is_set()
                wasyncore.loop(
                    timeout=_DRAIN_POLL
                    if draining
                    else server.adj.asyncore_loop_timeout,
                    map=server._map,
                    use_poll=server.adj.asyncore_use_poll,
                    count=1,
                )
                if self._draining.is_set() and self._drain_step():
                    break
        except Exception:
            self._crashed = True
            LOG.exception("%s: server loop failed", self._name)
        finally:
            self._teardown()

    def _drain_step(self) -> bool:
        """One drain pass; True when no connection is left to wait for."""
        if not self._listener_closed.is_set():
            self._close_listener()
        channels = list(self._server.active_channels.values())
        if self._cut.is_set():
            for channel in channels:
                channel.handle_close()
            return True
        now = time.time()
        self._server.maintenance(now)  # bounds half-sent requests
        busy = 0
        for channel in channels:
            if _busy(channel, now):
                busy += 1
            else:
                channel.handle_close()
        self._busy_channels = busy
        return busy == 0

    def _close_listener(self) -> None:
        server = self._server
        server.accepting = False
        # Our dup alone keeps this process's hold on the socket, so that
        # nothing but the last accept() comes between the queue found empty
        # and the close that may end the listening (see _take_queue).
        self._shared.close()
        self._take_queue()
        for channel in list(server.active_channels.values()):
            for request in list(channel.requests):
                _mark_close(request)
        self._listener_closed.set()

    def _take_queue(self) -> None:
        """Take the connections the kernel queued, then close our listener.

        The dispatcher's close, not the server's: that would close the
        trigger too. Never ``shutdown()``.
        """
        server = self._server
        while True:
            try:
                queued = take_queued(self._sock)
            except OSError as exc:
                LOG.warning(
                    "%s: could not take queued connections: %s", self._name, exc
                )
                queued = None
            if queued is None:
                wasyncore.dispatcher.close(server)
                return
            conn, addr = queued
            try:
                server.set_socket_options(conn)
            except OSError:  # the client is already gone
                conn.close()
                continue
            # What waitress's handle_accept() does with an accepted socket.
            server.channel_class(
                server, conn, server.fix_addr(addr), server.adj, map=server._map
            )

    def _teardown(self) -> None:
        server = self._server
        for channel in list(server.active_channels.values()):
            channel.handle_close()
        if not self._listener_closed.is_set():
            wasyncore.dispatcher.close(server)
            self._shared.close()
            self._listener_closed.set()
        self._drained.set()
        self._changed.set()
        self._stop_task_threads()
        with self._trigger_lock:
            self._trigger_open = False
            wasyncore.close_all(server._map)
            server.trigger.close()

    def _stop_task_threads(self) -> None:
        """Let every task thread finish its task and exit; wait for them."""
        dispatcher = self._server.task_dispatcher
        dispatcher.set_thread_count(0)
        with dispatcher.lock:
            dispatcher.queue.clear()
            while dispatcher.threads:
                dispatcher.thread_exit_cv.wait()
