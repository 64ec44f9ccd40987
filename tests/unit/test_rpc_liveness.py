"""The consume watch, against a stand-in for the AMQP driver's connection.

The real driver is exercised in tests/functional/test_rpc_daemons.py.
"""

import types

import pytest

from launcher import config, rpc, rpc_liveness


class Timeout(Exception):
    pass


class FakeConnection:
    """The shape of impl_rabbit.Connection that the watch reads."""

    def __init__(self):
        self.connection = types.SimpleNamespace(connected=True)
        self._new_tags = set()
        self.raise_timeout = False

    def consume(self, timeout=None):
        if self.raise_timeout:
            raise Timeout()


def server_with(conn):
    listener = types.SimpleNamespace(
        _poll_style_listener=types.SimpleNamespace(conn=conn)
    )
    return types.SimpleNamespace(listener=listener)


@pytest.fixture
def clock():
    now = [100.0]
    return now


def test_first_consume_on_a_live_connection_is_ready(clock):
    conn = FakeConnection()
    watch = rpc_liveness.watch(server_with(conn), clock=lambda: clock[0])
    assert not watch.wait_consuming(0)
    conn.consume(timeout=1)
    assert watch.wait_consuming(0)


def test_consumers_waiting_to_be_registered_are_not_consuming(clock):
    conn = FakeConnection()
    conn._new_tags = {"tag-1"}
    watch = rpc_liveness.watch(server_with(conn), clock=lambda: clock[0])
    conn.consume()
    assert not watch.consumed


def test_an_idle_timeout_counts_as_consuming_a_lost_connection_does_not(clock):
    conn = FakeConnection()
    watch = rpc_liveness.watch(server_with(conn), clock=lambda: clock[0])
    conn.raise_timeout = True
    with pytest.raises(Timeout):
        conn.consume()
    assert watch.consumed
    clock[0] += 30
    conn.connection.connected = False
    with pytest.raises(Timeout):
        conn.consume()
    assert watch.silent_for() == 30


def test_a_stopped_consume_loop_falls_silent(clock):
    conn = FakeConnection()
    watch = rpc_liveness.watch(server_with(conn), clock=lambda: clock[0])
    conn.consume()
    clock[0] += 7
    assert watch.silent_for() == 7


def test_drivers_without_a_consume_loop_are_not_watched():
    conf = config.new_conf()
    conf([], default_config_files=[])
    conf.set_override("transport_url", "fake://")
    transport = rpc.get_transport(conf)
    server = rpc.get_server(transport, "watch-test", "host", [object()])
    server.start()
    try:
        assert rpc_liveness.watch(server) is None
    finally:
        server.stop()
        server.wait()
        transport.cleanup()
