"""Is an RPC server consuming from its broker, or has it gone deaf?

An RPC server goes *deaf* when its broker connection is lost and never
comes back in a usable state (a failover to a node that refuses it, a
reconnect that left its consumers unregistered, a poll thread that died):
the process looks alive and answers nothing. oslo.messaging has no public
signal for this, and ``start()`` returning says only that the listener
thread exists, not that a consumer is registered.

The AMQP drivers' listener loop calls its connection's ``consume(timeout)``
at least every ``ACK_REQUEUE_EVERY_SECONDS_MAX`` (5 s) while idle, and a
call that ends with the connection up and no consumer waiting to be
(re)registered proves the server is consuming. :class:`ConsumeWatch` wraps
that one method on that one connection and records when such a call
ended, which gives the worker two signals: *ready* (the first successful
consume) and *silent for N seconds* (the liveness window).

This leans on oslo.messaging internals (the listener adapter's
``_poll_style_listener``, the AMQP listener's ``conn`` context, the
driver connection inside it, and that connection's ``consume``,
``_new_tags`` and kombu ``connection.connected``), all stable
from oslo.messaging 14 to 18. Where the structure is absent (``fake://``,
kafka), :func:`watch` returns None and readiness falls back to ``start()``
having returned; the worker logs that once at debug level.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)


def _broker_connection(server: Any) -> Any | None:
    listener = getattr(server, "listener", None)
    poll_style = getattr(listener, "_poll_style_listener", None)
    context = getattr(poll_style, "conn", None)
    # The listener holds a ConnectionContext; the driver's Connection is
    # inside it, and the context forwards consume() to it.
    for conn in (getattr(context, "connection", None), context):
        kombu = getattr(conn, "connection", None)
        if (
            callable(getattr(conn, "consume", None))
            and hasattr(conn, "_new_tags")
            and hasattr(kombu, "connected")
        ):
            return conn
    return None


def _consuming(conn: Any) -> bool:
    """Connected, with every consumer registered (none waiting in _new_tags)."""
    try:
        return bool(conn.connection.connected) and not conn._new_tags
    except Exception:  # a connection torn down under us is not consuming
        return False


class ConsumeWatch:
    """Observes one RPC server's consume loop; safe to read from any thread."""

    def __init__(self, conn: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self._conn = conn
        self._clock = clock
        self._consumed = threading.Event()
        self._last = clock()
        original = conn.consume

        def consume(*args: Any, **kwargs: Any) -> Any:
            try:
                return original(*args, **kwargs)
            finally:
                self._observe()

        conn.consume = consume

    def _observe(self) -> None:
        if _consuming(self._conn):
            self._last = self._clock()
            self._consumed.set()

    def wait_consuming(self, timeout: float) -> bool:
        """True once the server has consumed at least once."""
        return self._consumed.wait(timeout)

    @property
    def consumed(self) -> bool:
        return self._consumed.is_set()

    def silent_for(self) -> float:
        """Seconds since the consume loop last ran on a live connection."""
        return self._clock() - self._last


def watch(
    server: Any, clock: Callable[[], float] = time.monotonic
) -> ConsumeWatch | None:
    """Attach a watch to a started RPC server, or None for drivers without one."""
    conn = _broker_connection(server)
    if conn is None:
        LOG.debug("RPC driver offers no consume loop to watch; ready at start")
        return None
    return ConsumeWatch(conn, clock)
