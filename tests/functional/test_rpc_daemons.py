"""svc-launch as real processes on the real RabbitMQ: RPC behaviour."""

import signal
import threading
import time

from tests.functional import harness


def test_rpc_round_trip_between_processes(daemons):
    daemon = daemons(["test-echo"], host="alpha").wait_ready()
    with harness.rpc_client(daemon.exchange, "test-echo") as client:
        assert client.call({}, "echo", value={"n": 1}) == {"n": 1}
        assert client.call({}, "whoami")["host"] == "alpha"


def test_two_instances_share_calls_and_both_hear_fanout(daemons):
    first = daemons(["test-echo"], host="alpha").wait_ready()
    daemons(["test-echo"], host="beta", exchange=first.exchange).wait_ready()
    with harness.rpc_client(first.exchange, "test-echo") as client:
        hosts = {client.call({}, "whoami")["host"] for _ in range(40)}
        assert hosts == {"alpha", "beta"}
        client.prepare(fanout=True).cast({}, "record", value="hello")
        for host in ("alpha", "beta"):
            direct = client.prepare(server=host)
            harness.wait_for(
                lambda d=direct: d.call({}, "get_records") == ["hello"],
                what=f"fanout to reach {host}",
            )


def test_periodic_tasks_run_and_a_failing_task_does_not_stop_them(daemons):
    daemon = daemons(["test-echo"]).wait_ready()
    with harness.rpc_client(daemon.exchange, "test-echo") as client:
        harness.wait_for(lambda: client.call({}, "get_ticks") >= 3, what="3 ticks")
    daemon.wait_log(r"Error during EchoManager\.broken_task", count=2)


def test_sigterm_lets_an_in_flight_rpc_call_finish(daemons):
    daemon = daemons(["test-echo"]).wait_ready()
    result = {}
    with harness.rpc_client(daemon.exchange, "test-echo") as client:
        caller = threading.Thread(
            target=lambda: result.update(client.call({}, "slow", seconds=2))
        )
        caller.start()
        daemon.wait_log(r"slow call started")
        daemon.signal(signal.SIGTERM)
        caller.join(30)
    assert result.get("slept") == 2
    assert daemon.wait_exit() == 0


def test_sigterm_cuts_only_what_outlives_the_drain_and_says_so(daemons):
    daemon = daemons(
        ["test-echo"], extra={"DEFAULT": {"graceful_shutdown_timeout": 1}}
    ).wait_ready()
    with harness.rpc_client(daemon.exchange, "test-echo", timeout=5) as client:
        client.cast({}, "slow", seconds=30)
        daemon.wait_log(r"slow call started")
        started = time.monotonic()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait_exit(timeout=20) == 1
    assert time.monotonic() - started < 10
    daemon.wait_log(r"drain: RPC calls still running at the deadline")
    daemon.wait_log(r"stopped, but cut: RPC calls")
