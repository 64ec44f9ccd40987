"""svc-launch as real processes on the real RabbitMQ: RPC behaviour."""

import re
import signal
import threading
import time

import pytest

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
        daemon.wait_log(r"stopping intake; in flight: 1 RPC messages")
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


@pytest.fixture
def own_vhost():
    """A vhost for one test, so shutting the broker out disturbs no other."""
    name = harness.create_vhost()
    if name is None:
        pytest.skip("needs rabbitmqctl")
    yield name, harness.RABBIT_BASE_URL + name
    harness.delete_vhost(name)


def refuse_consuming(vhost: str) -> None:
    """Let guest declare and bind its queues, but not consume from them.

    Consumers already running keep going: RabbitMQ checks at basic.consume.
    """
    exchanges_only = r"^(svc_test_\w+|test-echo_fanout)$"
    harness.rabbitmqctl(
        "set_permissions", "-p", vhost, "guest", ".*", ".*", exchanges_only
    )


def echo_on(daemons, url: str, **supervisor: object) -> harness.Daemon:
    extra = {"DEFAULT": {"transport_url": url}, "supervisor": supervisor}
    return daemons(["test-echo"], extra=extra)


def test_rpc_worker_is_ready_only_once_it_consumes(daemons, own_vhost):
    vhost, url = own_vhost
    refuse_consuming(vhost)
    daemon = echo_on(daemons, url)
    daemon.wait_log(r"test-echo started on")
    daemon.wait_log(r"ACCESS_REFUSED", count=2)
    assert not re.search(r"workers? ready", daemon.log())
    harness.grant_vhost(vhost, True)
    daemon.wait_ready()
    with harness.rpc_client(daemon.exchange, "test-echo", url=url) as client:
        assert client.call({}, "echo", value=1) == 1


def test_a_deaf_rpc_worker_is_restarted(daemons, own_vhost):
    vhost, url = own_vhost
    daemon = echo_on(daemons, url, rpc_deaf_timeout=2).wait_ready()
    first = daemon.worker_pids()
    harness.grant_vhost(vhost, False)
    daemon.wait_log(r"has not consumed from the broker for \d+s")
    daemon.wait_log(r"died: exit code 5 \(lost its RPC broker connection\)")
    harness.grant_vhost(vhost, True)
    daemon.wait_log(r"worker \d+ of test-echo is ready", count=2)
    assert daemon.worker_pids() and not daemon.worker_pids() & first
    with harness.rpc_client(daemon.exchange, "test-echo", url=url) as client:
        assert client.call({}, "echo", value=2) == 2


def test_reload_is_aborted_when_the_new_worker_cannot_consume(daemons, own_vhost):
    vhost, url = own_vhost
    daemon = echo_on(daemons, url, worker_ready_timeout=3).wait_ready()
    (old,) = daemon.worker_pids()
    with harness.rpc_client(daemon.exchange, "test-echo", url=url) as client:
        # Its reply consumer, like the old worker's, starts before the change.
        assert client.call({}, "whoami")["pid"] == old
        refuse_consuming(vhost)
        daemon.signal(signal.SIGHUP)
        daemon.wait_log(
            r"reload aborted: a new worker of test-echo was not ready in time; "
            r"old workers keep serving"
        )
        assert client.call({}, "whoami")["pid"] == old
    harness.wait_for(
        lambda: daemon.worker_pids() == {old}, what="the unready worker to go"
    )
