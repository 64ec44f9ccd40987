"""Claims under concurrency, all-or-nothing requests, expiry and warm-up."""

import collections
import random
import threading
import time
from concurrent import futures

import pytest

from launcher import errors
from services.scheduler.exception import NoValidHost
from services.scheduler.filters import BaseHostFilter
from services.scheduler.filters.cores import CoreFilter
from services.scheduler.filters.disk import DiskFilter
from services.scheduler.filters.ram import RamFilter
from services.scheduler.host_manager import HostManager
from services.scheduler.host_state import HostReport
from services.scheduler.request_spec import RequestSpec
from services.scheduler.selection import Selector
from services.scheduler.weighers.ram import RAMWeigher
from tests.unit.scheduler.conftest import make_conf, new_uuid, report, spec


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class YieldingFilter(BaseHostFilter):
    """Gives other threads every chance to interleave mid-selection."""

    def host_passes(self, host, spec):
        time.sleep(0)
        return True


class FakeLedger:
    """Shared claims with a room count per host, as another scheduler sees them."""

    def __init__(self, room=None, broken=False):
        self.room = dict(room or {})
        self.broken = broken
        self.claims = {}
        self.released = []

    def claim(self, host, instance, resources, expires_at):
        if self.broken:
            raise errors.DatabaseUnavailable("cannot reach database x: down", "hint")
        if self.room.get(host, 0) < resources.vcpus:
            return False
        self.room[host] -= resources.vcpus
        self.claims[instance] = (host, resources.vcpus)
        return True

    def release(self, instances):
        for instance in instances:
            host, vcpus = self.claims.pop(instance)
            self.room[host] += vcpus
            self.released.append(instance)
        return len(instances)


def manager(clock=None, warmup=0.0, subset=1, seed=1, shared=None):
    conf = make_conf()
    selector = Selector(
        [YieldingFilter(conf), RamFilter(conf), CoreFilter(conf), DiskFilter(conf)],
        [RAMWeigher(conf)],
        subset,
        random.Random(seed),
    )
    return HostManager(
        selector,
        claim_timeout=60,
        warmup=warmup,
        clock=clock or Clock(),
        shared=shared,
    )


def feed(hosts, name, **kwargs):
    hosts.update(name, HostReport.from_primitive(report(**kwargs)))


def select(hosts, **kwargs):
    parsed = RequestSpec.from_primitive(spec(**kwargs), max_instances=10)
    return hosts.select(parsed, parsed.uuids())


def test_concurrent_selections_never_exceed_any_hosts_capacity():
    hosts = manager()
    capacity = {"a": 10, "b": 7, "c": 13}  # instances of 1 vCPU / 512 MB
    for name, slots in capacity.items():
        feed(hosts, name, vcpus=slots, memory_mb=512 * 100, disk_gb=1000)

    def one(i):
        try:
            return select(
                hosts, vcpus=1, memory_mb=512, disk_gb=1, num_instances=1 + i % 3
            )
        except NoValidHost:
            return None

    with futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, range(200)))
    placed = collections.Counter(d["host"] for r in results if r for d in r)
    assert all(placed[name] <= slots for name, slots in capacity.items())
    assert sum(placed.values()) >= sum(capacity.values()) - 2  # nothing wasted
    view = hosts.describe()["hosts"]
    assert {n: h["placed"] for n, h in view.items()} == dict(placed)
    assert all(h["free"]["vcpus"] >= 0 for h in view.values())


def test_a_request_that_does_not_fit_whole_claims_nothing():
    hosts = manager()
    feed(hosts, "a", vcpus=2)
    feed(hosts, "b", vcpus=2)
    with pytest.raises(NoValidHost, match="instance 5 of 5: CoreFilter"):
        select(hosts, vcpus=1, num_instances=5)
    view = hosts.describe()
    assert all(h["pending_claims"] == 0 for h in view["hosts"].values())
    assert view["counters"] == {"no_valid_host": 1}
    assert len(select(hosts, vcpus=1, num_instances=4)) == 4


def test_spreading_alternates_between_equal_hosts():
    hosts = manager()
    for name in ("a", "b"):
        feed(hosts, name, memory_mb=8192)
    chosen = [d["host"] for d in select(hosts, num_instances=4)]
    assert sorted(chosen) == ["a", "a", "b", "b"]


def test_no_hosts_at_all_says_so():
    with pytest.raises(NoValidHost, match="no compute host has reported"):
        select(manager())


def test_silent_hosts_and_stale_claims_expire():
    clock = Clock()
    hosts = manager(clock)
    feed(hosts, "old")
    clock.now += 50
    feed(hosts, "new")
    clock.now += 20
    assert hosts.expire(window=60) == (["old"], 0)
    select(hosts, num_instances=2)
    clock.now += 61  # the claims (60 s) were never confirmed by a report
    gone, claims = hosts.expire(window=600)
    assert (gone, claims) == ([], 2)
    assert hosts.describe()["hosts"]["new"]["used"]["vcpus"] == 0


def test_fresh_scheduler_waits_for_computes_known_to_be_up():
    hosts = manager(warmup=10)
    hosts.set_services({}, expected=["c1"])
    later = threading.Timer(0.2, feed, (hosts, "c1"))
    later.start()
    started = time.monotonic()
    assert select(hosts)[0]["host"] == "c1"
    assert time.monotonic() - started < 5
    later.join()


def test_no_waiting_once_warm_or_when_every_expected_host_reported():
    clock = Clock()
    hosts = manager(clock, warmup=10)
    hosts.set_services({}, expected=["c1"])
    feed(hosts, "c1", vcpus=1)
    with pytest.raises(NoValidHost):  # c1 reported; it is just full
        select(hosts, vcpus=2)
    hosts.set_services({}, expected=["c1", "c2"])
    clock.now += 11
    with pytest.raises(NoValidHost):  # c2 never reported, but warm-up is over
        select(hosts, vcpus=2)


def test_claim_uses_the_callers_uuids():
    hosts = manager()
    feed(hosts, "a")
    uuids = [new_uuid(), new_uuid()]
    got = select(hosts, num_instances=2, instance_uuids=uuids)
    assert [d["instance_uuid"] for d in got] == uuids


# -- with a shared ledger ----------------------------------------------------


def test_a_host_lost_in_the_ledger_is_skipped_for_the_next_best():
    ledger = FakeLedger(room={"big": 0, "small": 5})  # "big" filled elsewhere
    hosts = manager(shared=ledger)
    feed(hosts, "big", memory_mb=65536)
    feed(hosts, "small", memory_mb=8192)
    chosen = select(hosts, num_instances=2)
    assert [d["host"] for d in chosen] == ["small", "small"]
    view = hosts.describe()
    assert view["hosts"]["big"]["pending_claims"] == 0
    assert view["counters"]["claims_lost"] == 2


def test_every_host_lost_is_no_valid_host_and_releases_the_request():
    ledger = FakeLedger(room={"a": 1, "b": 0})
    hosts = manager(shared=ledger)
    feed(hosts, "a")
    feed(hosts, "b")
    with pytest.raises(NoValidHost, match="instance 2 of 2: the shared claims"):
        select(hosts, num_instances=2)
    assert len(ledger.released) == 1 and ledger.room == {"a": 1, "b": 0}
    assert all(h["pending_claims"] == 0 for h in hosts.describe()["hosts"].values())


def test_ledger_down_is_an_answer_not_a_hang():
    hosts = manager(shared=FakeLedger(broken=True))
    feed(hosts, "a")
    with pytest.raises(NoValidHost, match="cannot record the claim"):
        select(hosts)
    assert hosts.describe()["hosts"]["a"]["pending_claims"] == 0
