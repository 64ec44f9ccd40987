"""nova-scheduler and nova-compute as real processes on RabbitMQ and PostgreSQL.

Schedulers and computes share one exchange and one PostgreSQL database
(the services table is how schedulers know a compute is up, the claims
ledger is how they agree on what is taken), as they would in a
deployment. Clients use a transport that allows the scheduler's
exception module, so NoValidHost arrives as itself.
"""

import collections
import contextlib
import os
import signal
import threading
import time
import uuid
from concurrent import futures

import oslo_messaging
import pytest
from oslo_config import cfg

from launcher import rpc
from launcher.db import migration
from services.scheduler import rpcapi
from services.scheduler.exception import InvalidRequestSpec, NoValidHost
from tests.functional import harness

pytestmark = pytest.mark.functional

SCHEDULER_OPTS = {
    "service_refresh_interval": 1,
    "expire_interval": 1,
    "host_expire_after": 4,
    "summary_interval": 2,
    "claim_timeout": 60,
}
INSTANCE = {"vcpus": 1, "memory_mb": 256, "disk_gb": 1}


class Cluster:
    """Daemons of one test: a shared exchange and database, named hosts."""

    def __init__(self, daemons, database_url):
        self.start_daemon = daemons
        self.database_url = database_url
        self.exchange = f"svc_sched_{uuid.uuid4().hex[:10]}"
        self.capacity: dict[str, int] = {}
        self.procs: dict[str, harness.Daemon] = {}
        self.started: list[harness.Daemon] = []

    def scheduler(self, host):
        return self._start("nova-scheduler", host, {"scheduler": SCHEDULER_OPTS})

    def compute(self, host, vcpus=8):
        self.capacity[host] = vcpus
        options = {
            "vcpus": vcpus,
            "memory_mb": 256 * vcpus,
            "disk_gb": vcpus,
            "state_report_interval": 1,
        }
        return self._start("nova-compute", host, {"compute": options})

    def _start(self, binary, host, extra):
        daemon = self.start_daemon(
            [binary],
            name=host,
            host=host,
            exchange=self.exchange,
            database_url=self.database_url,
            extra=extra,
        )
        self.procs[host] = daemon
        self.started.append(daemon)
        return daemon

    def stop_all(self):
        """TERM every daemon at once; one at a time would add up their drains."""
        with futures.ThreadPoolExecutor(max_workers=len(self.started) or 1) as pool:
            list(pool.map(harness.Daemon.stop, self.started))

    def wait_ready(self, schedulers, computes, client):
        """Every daemon up, and every scheduler trusting every compute."""
        for daemon in self.procs.values():
            daemon.wait_ready()
        for name in schedulers:
            harness.wait_for(
                lambda s=name: _knows(client, s, computes),
                timeout=20,
                what=f"{name} to see computes {computes} up",
            )


def _knows(client, scheduler, computes):
    hosts = client.get_host_states({}, server=scheduler)["hosts"]
    return all(hosts.get(c, {}).get("service") for c in computes)


@pytest.fixture
def cluster(pg_url, daemons):
    migration.upgrade(pg_url)
    cluster = Cluster(daemons, pg_url)
    yield cluster
    cluster.stop_all()


@contextlib.contextmanager
def apis(exchange, timeout=10):
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[])
    rpc.register_opts(conf)
    conf.set_override("transport_url", harness.RABBIT_URL)
    conf.set_override("control_exchange", exchange)
    transport = rpcapi.get_transport(conf)
    try:
        yield (
            rpcapi.SchedulerAPI(transport, timeout=timeout),
            rpcapi.ComputeAPI(transport, timeout=timeout),
        )
    finally:
        transport.cleanup()


def test_select_build_and_the_next_report_carries_the_usage(cluster):
    cluster.scheduler("s1")
    cluster.compute("c1")
    with apis(cluster.exchange) as (scheduler, compute):
        cluster.wait_ready(["s1"], ["c1"], scheduler)
        (chosen,) = scheduler.select_destinations({}, INSTANCE)
        assert chosen["host"] == "c1"
        compute.build_instance({}, "c1", chosen["instance_uuid"], INSTANCE)
        harness.wait_for(
            lambda: compute.get_usage({}, "c1")["instances"] == 1,
            what="the build to land",
        )

        def settled():
            host = scheduler.get_host_states({})["hosts"]["c1"]
            return host["pending_claims"] == 0 and host["reported_used"]["vcpus"] == 1

        harness.wait_for(settled, what="a report carrying the new usage")


def test_bad_input_gets_a_clear_remote_error_and_the_server_keeps_serving(cluster):
    cluster.scheduler("s1")
    cluster.compute("c1", vcpus=2)
    with apis(cluster.exchange) as (scheduler, _):
        cluster.wait_ready(["s1"], ["c1"], scheduler)
        started = time.monotonic()
        with pytest.raises(NoValidHost, match="CoreFilter rejected"):
            scheduler.select_destinations({}, {**INSTANCE, "vcpus": 3})
        with pytest.raises(InvalidRequestSpec) as caught:
            scheduler.select_destinations({}, {**INSTANCE, "disk_gb": "big"})
        assert caught.value.field == "disk_gb"
        assert time.monotonic() - started < 5  # answers, not timeouts
        assert scheduler.select_destinations({}, INSTANCE)[0]["host"] == "c1"
    # A caller whose transport does not allow the module still gets the
    # message, as a RemoteError naming the class.
    with harness.rpc_client(cluster.exchange, "scheduler") as plain:
        with pytest.raises(oslo_messaging.RemoteError) as caught:
            plain.call({}, "select_destinations", request_spec={"vcpus": 1})
        assert caught.value.exc_type == "InvalidRequestSpec"
        assert "'memory_mb'" in caught.value.value


def test_two_schedulers_share_calls_hear_every_report_and_expire(cluster):
    s1, s2 = cluster.scheduler("s1"), cluster.scheduler("s2")
    cluster.compute("c1", vcpus=100)
    c2 = cluster.compute("c2", vcpus=100)
    with apis(cluster.exchange) as (scheduler, _):
        cluster.wait_ready(["s1", "s2"], ["c1", "c2"], scheduler)
        for _ in range(30):
            scheduler.select_destinations({}, INSTANCE)
        served = {
            s: scheduler.get_host_states({}, server=s)["counters"]["requests"]
            for s in ("s1", "s2")
        }
        assert sum(served.values()) == 30 and min(served.values()) > 0
        for daemon in (s1, s2):
            daemon.wait_log(r"scheduler s\d: 2 host\(s\)")
        c2.stop()
        s1.wait_log(r"dropped host\(s\) not heard from in 4s: c2")
        s2.wait_log(r"dropped host\(s\) not heard from in 4s: c2")
        chosen = scheduler.select_destinations({}, {**INSTANCE, "num_instances": 4})
        assert {d["host"] for d in chosen} == {"c1"}


def test_200_concurrent_selections_on_two_schedulers_are_exact(cluster):
    """The claims ledger makes the two schedulers' placements add up exactly."""
    cluster.scheduler("s1")
    cluster.scheduler("s2")
    cluster.compute("c1", vcpus=60)
    cluster.compute("c2", vcpus=45)
    total = sum(cluster.capacity.values())
    with apis(cluster.exchange, timeout=30) as (scheduler, compute):
        cluster.wait_ready(["s1", "s2"], ["c1", "c2"], scheduler)

        def place(_):
            try:
                (chosen,) = scheduler.select_destinations({}, INSTANCE)
            except NoValidHost:
                return None  # an answer; a timeout or any other error fails
            compute.build_instance(
                {}, chosen["host"], chosen["instance_uuid"], INSTANCE
            )
            return chosen["host"]

        with futures.ThreadPoolExecutor(max_workers=200) as pool:
            results = list(pool.map(place, range(200)))
        sent = collections.Counter(h for h in results if h)
        assert results.count(None) + sum(sent.values()) == 200
        # Never more placements than slots, and, demand being higher, all used.
        assert sum(sent.values()) == total, sent

        def usage():
            return {h: compute.get_usage({}, h) for h in cluster.capacity}

        def all_builds_handled():
            seen = usage()
            done = all(
                u["instances"] + u["refused"] == sent[h] for h, u in seen.items()
            )
            return done and seen

        final = harness.wait_for(all_builds_handled, what="every build handled")
        for host, capacity in cluster.capacity.items():
            assert final[host]["refused"] == 0, final  # every build accepted
            assert final[host]["instances"] == sent[host] <= capacity, final
            assert final[host]["used"]["vcpus"] <= capacity, final
        for name in ("s1", "s2"):
            view = scheduler.get_host_states({}, server=name)["hosts"]
            for host, capacity in cluster.capacity.items():
                assert view[host]["placed"] <= capacity


def test_killed_scheduler_restarts_and_rejoins_mid_stream(cluster):
    s1 = cluster.scheduler("s1")
    cluster.scheduler("s2")
    cluster.compute("c1", vcpus=10_000)
    outcomes = collections.Counter()
    stop = threading.Event()
    with apis(cluster.exchange, timeout=3) as (scheduler, _):
        cluster.wait_ready(["s1", "s2"], ["c1"], scheduler)

        def stream():
            while not stop.is_set():
                try:
                    scheduler.select_destinations({}, INSTANCE)
                    outcomes["ok"] += 1
                except oslo_messaging.MessagingTimeout:
                    outcomes["timeout"] += 1  # in flight on the killed process
                except Exception as exc:
                    outcomes[type(exc).__name__] += 1

        callers = [threading.Thread(target=stream) for _ in range(2)]
        for caller in callers:
            caller.start()
        try:
            harness.wait_for(lambda: outcomes["ok"] >= 50, what="the stream to flow")
            os.killpg(s1.pid, signal.SIGKILL)
            s1.wait_exit(10)
            served = outcomes["ok"]
            harness.wait_for(
                lambda: outcomes["ok"] >= served + 50,
                timeout=20,
                what="s2 to carry the stream alone",
            )
            cluster.scheduler("s1").wait_ready()
            harness.wait_for(
                lambda: (
                    scheduler.get_host_states({}, server="s1")["counters"].get(
                        "requests", 0
                    )
                    >= 10
                ),
                timeout=20,
                what="the restarted s1 to serve its share",
            )
        finally:
            stop.set()
            for caller in callers:
                caller.join(10)
    assert set(outcomes) <= {"ok", "timeout"}, outcomes
    assert outcomes["timeout"] <= 2, outcomes
