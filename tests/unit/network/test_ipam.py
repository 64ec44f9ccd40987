import ipaddress
import random

import pytest

from services.network import exceptions as exc
from services.network import ipam


def net(cidr):
    return ipaddress.ip_network(cidr)


def test_default_gateway_and_pools_v4():
    network = ipam.parse_cidr("10.0.0.0/28", 4)
    gateway = ipam.gateway(network, None, given=False)
    assert str(gateway) == "10.0.0.1"
    pools = ipam.default_pools(network, gateway)
    assert [p.to_dict() for p in pools] == [{"start": "10.0.0.2", "end": "10.0.0.14"}]
    assert ipam.capacity(pools) == 13


def test_gateway_in_the_middle_splits_the_pool():
    network = ipam.parse_cidr("10.0.0.0/29", 4)
    gateway = ipam.gateway(network, "10.0.0.3", given=True)
    pools = ipam.default_pools(network, gateway)
    assert [str(p) for p in pools] == ["10.0.0.1-10.0.0.2", "10.0.0.4-10.0.0.6"]


def test_no_gateway():
    network = ipam.parse_cidr("10.0.0.0/29", 4)
    assert ipam.gateway(network, None, given=True) is None
    assert [str(p) for p in ipam.default_pools(network, None)] == ["10.0.0.1-10.0.0.6"]


def test_v6_pool_reaches_the_last_address():
    network = ipam.parse_cidr("2001:db8::/64", 6)
    gateway = ipam.gateway(network, None, given=False)
    assert str(gateway) == "2001:db8::1"
    pools = ipam.default_pools(network, gateway)
    assert str(pools[-1].last) == "2001:db8::ffff:ffff:ffff:ffff"


@pytest.mark.parametrize(
    "cidr,version",
    [("10.0.0.1/24", 4), ("nonsense", 4), ("10.0.0.0/24", 6), ("10.0.0.0/31", 4)],
)
def test_bad_cidrs(cidr, version):
    with pytest.raises(exc.InvalidInput):
        ipam.parse_cidr(cidr, version)


def test_overlapping_pools_rejected():
    network = net("10.0.0.0/24")
    with pytest.raises(exc.OverlappingAllocationPools):
        ipam.parse_pools(
            network,
            [
                {"start": "10.0.0.10", "end": "10.0.0.20"},
                {"start": "10.0.0.15", "end": "10.0.0.30"},
            ],
            None,
        )


@pytest.mark.parametrize(
    "pool",
    [
        {"start": "10.0.0.20", "end": "10.0.0.10"},
        {"start": "10.0.0.0", "end": "10.0.0.10"},
        {"start": "10.0.0.250", "end": "10.0.0.255"},
        {"start": "10.0.1.1", "end": "10.0.1.5"},
        {"start": "10.0.0.1"},
    ],
)
def test_invalid_pools(pool):
    with pytest.raises(exc.BadRequest):
        ipam.parse_pools(net("10.0.0.0/24"), [pool], None)


def test_pool_with_gateway_conflicts():
    with pytest.raises(exc.GatewayConflictWithAllocationPools):
        ipam.parse_pools(
            net("10.0.0.0/24"),
            [{"start": "10.0.0.1", "end": "10.0.0.9"}],
            ipaddress.ip_address("10.0.0.1"),
        )


def test_choose_never_returns_a_taken_address_and_none_when_full():
    pools = ipam.default_pools(net("10.0.0.0/28"), ipaddress.ip_address("10.0.0.1"))
    rng = random.Random(1)
    taken = set()
    for _ in range(13):
        ip = ipam.choose(pools, taken, rng)
        assert ip is not None and str(ip) not in taken
        taken.add(str(ip))
    assert ipam.choose(pools, taken, rng) is None


def test_choose_in_a_huge_v6_pool():
    pools = ipam.default_pools(net("2001:db8::/64"), None)
    ip = ipam.choose(pools, set(), random.Random(2))
    assert ip in net("2001:db8::/64")
