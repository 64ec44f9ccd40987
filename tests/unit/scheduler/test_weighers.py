"""Weighers: scaled per weigher, multiplied by config, summed."""

from services.scheduler.host_state import Resources
from services.scheduler.weighers import weigh_hosts
from services.scheduler.weighers.cores import CoreWeigher
from services.scheduler.weighers.ram import RAMWeigher
from tests.unit.scheduler.conftest import host, make_conf, new_uuid, parsed


def hosts():
    small = host("small", vcpus=2, memory_mb=16384)
    big = host("big", vcpus=16, memory_mb=4096)
    return [small, big]


def test_positive_multiplier_spreads_to_most_free():
    conf = make_conf()
    weights = weigh_hosts(hosts(), parsed(), [RAMWeigher(conf)])
    assert weights == [1.0, 0.0]


def test_negative_multiplier_packs():
    conf = make_conf(**{"filter_scheduler.ram_weight_multiplier": -1.0})
    weights = weigh_hosts(hosts(), parsed(), [RAMWeigher(conf)])
    assert weights == [-1.0, 0.0]


def test_weighers_are_scaled_before_summing():
    conf = make_conf(**{"filter_scheduler.cpu_weight_multiplier": 2.0})
    weights = weigh_hosts(hosts(), parsed(), [RAMWeigher(conf), CoreWeigher(conf)])
    # RAM favours "small" by 1.0; cores favour "big" by 2 x 1.0.
    assert weights == [1.0, 2.0]


def test_zero_multiplier_and_equal_hosts_give_no_preference():
    conf = make_conf(**{"filter_scheduler.ram_weight_multiplier": 0.0})
    assert weigh_hosts(hosts(), parsed(), [RAMWeigher(conf)]) == [0.0, 0.0]
    same = [host("a"), host("b")]
    assert weigh_hosts(same, parsed(), [CoreWeigher(make_conf())]) == [0.0, 0.0]


def test_claims_lower_a_hosts_weight():
    conf = make_conf()
    first, second = host("a"), host("b")
    first.claim(new_uuid(), Resources(1, 1024, 1), expires=100)
    assert weigh_hosts([first, second], parsed(), [RAMWeigher(conf)]) == [0.0, 1.0]
