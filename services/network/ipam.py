"""IP address management: subnet addressing rules and address choice.

Pure functions over the stdlib ``ipaddress`` types; the SQL plugin does the
storage. Addresses are stored as their canonical text (``str(ip)``), so a
unique key on (subnet_id, ip_address) really means one owner per address.

Candidates are drawn at random from what is free rather than first-free:
concurrent creates in different workers then rarely pick the same address,
and when they do, the database's unique key decides and the loser retries.
"""

import dataclasses
import ipaddress
import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from services.network import exceptions as exc

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Below this many addresses, list the free ones and choose among them;
# above, probe random addresses (an IPv6 /64 cannot be listed).
ENUMERATE_LIMIT = 65536
PROBES = 64
# Pools larger than this are probed with a few random candidates checked in
# one query, instead of reading every allocation of the subnet.
SAMPLE_ABOVE = 1024
SAMPLES = 16


@dataclasses.dataclass(frozen=True)
class Pool:
    """An inclusive range of addresses, as neutron's allocation_pools."""

    first: IPAddress
    last: IPAddress

    @property
    def size(self) -> int:
        return int(self.last) - int(self.first) + 1

    def __contains__(self, ip: object) -> bool:
        return isinstance(ip, type(self.first)) and self.first <= ip <= self.last

    def overlaps(self, other: "Pool") -> bool:
        return self.first <= other.last and other.first <= self.last

    def to_dict(self) -> dict[str, str]:
        return {"start": str(self.first), "end": str(self.last)}

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


def parse_cidr(cidr: Any, ip_version: Any) -> IPNetwork:
    """The network for ``cidr``, which must be exact and of ``ip_version``."""
    if ip_version not in (4, 6):
        raise exc.InvalidInput(f"'{ip_version}' is not a valid ip_version (4 or 6)")
    try:
        network = ipaddress.ip_network(str(cidr), strict=True)
    except ValueError as error:
        raise exc.InvalidInput(f"'{cidr}' is not a valid IP subnet: {error}") from None
    if network.version != ip_version:
        raise exc.InvalidInput(
            f"cidr {cidr} does not match the specified IP version {ip_version}"
        )
    if network.num_addresses < (2 if network.version == 6 else 4):
        raise exc.InvalidInput(f"cidr {cidr} is too small for a subnet")
    return network


def parse_ip(value: Any) -> IPAddress:
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        raise exc.InvalidInput(f"'{value}' is not a valid IP address") from None


def usable_range(network: IPNetwork) -> Pool:
    """Addresses a pool may hold: not the network id, nor v4 broadcast."""
    last = network.broadcast_address
    if network.version == 4:
        last -= 1
    return Pool(network.network_address + 1, last)


def default_gateway(network: IPNetwork) -> IPAddress:
    return network.network_address + 1


def gateway(network: IPNetwork, requested: Any, given: bool) -> IPAddress | None:
    """The subnet's gateway: the first host unless set (``None``: no gateway)."""
    if not given:
        return default_gateway(network)
    if requested is None:
        return None
    ip = parse_ip(requested)
    if ip not in network or ip == network.network_address:
        raise exc.InvalidInput(f"gateway_ip {ip} is not in subnet {network}")
    return ip


def default_pools(network: IPNetwork, gateway_ip: IPAddress | None) -> list[Pool]:
    """The usable range, split around the gateway."""
    whole = usable_range(network)
    if gateway_ip is None or gateway_ip not in whole:
        return [whole]
    pools = []
    if gateway_ip > whole.first:
        pools.append(Pool(whole.first, gateway_ip - 1))
    if gateway_ip < whole.last:
        pools.append(Pool(gateway_ip + 1, whole.last))
    return pools


def parse_pools(
    network: IPNetwork, requested: Iterable[Any], gateway_ip: IPAddress | None
) -> list[Pool]:
    """Validate requested pools: inside the subnet, ordered, disjoint."""
    usable = usable_range(network)
    pools = [_parse_pool(item, network, usable) for item in requested]
    ordered = sorted(pools, key=lambda p: p.first)
    for left, right in itertools.pairwise(ordered):
        if left.overlaps(right):
            raise exc.OverlappingAllocationPools(str(left), str(right))
    for pool in ordered:
        if gateway_ip is not None and gateway_ip in pool:
            raise exc.GatewayConflictWithAllocationPools(
                ip_address=gateway_ip, pool=pool
            )
    return ordered


def _parse_pool(item: Any, network: IPNetwork, usable: Pool) -> Pool:
    if not isinstance(item, dict) or set(item) != {"start", "end"}:
        raise exc.InvalidInput(f"allocation pool {item!r} needs 'start' and 'end'")
    first, last = parse_ip(item["start"]), parse_ip(item["end"])
    label = f"{item['start']}-{item['end']}"
    if first.version != network.version or last.version != network.version:
        raise exc.InvalidAllocationPool(label, "wrong IP version")
    if first > last:
        raise exc.InvalidAllocationPool(label, "start is after end")
    if first not in usable or last not in usable:
        raise exc.InvalidAllocationPool(label, f"not inside subnet {network}")
    return Pool(first, last)


def pools_from_dicts(items: Sequence[dict[str, str]]) -> list[Pool]:
    """Pools as stored (already validated)."""
    return [Pool(parse_ip(p["start"]), parse_ip(p["end"])) for p in items]


def capacity(pools: Sequence[Pool]) -> int:
    return sum(p.size for p in pools)


def choose(
    pools: Sequence[Pool], allocated: set[str], rng: random.Random
) -> IPAddress | None:
    """A free address from ``pools``, at random; None when all are taken."""
    total = capacity(pools)
    if total <= len(allocated) and total <= _used(pools, allocated):
        return None
    if total <= ENUMERATE_LIMIT:
        free = [ip for ip in _addresses(pools) if str(ip) not in allocated]
        return rng.choice(free) if free else None
    for _ in range(PROBES):
        ip = _nth(pools, rng.randrange(total))
        if str(ip) not in allocated:
            return ip
    return next((ip for ip in _addresses(pools) if str(ip) not in allocated), None)


def _used(pools: Sequence[Pool], allocated: set[str]) -> int:
    """Allocations inside ``pools``: after a pool update some may lie outside."""
    return sum(1 for ip in allocated if in_pools(parse_ip(ip), pools))


def sample(pools: Sequence[Pool], count: int, rng: random.Random) -> list[str]:
    """``count`` random addresses of ``pools`` (repeats possible), as text."""
    total = capacity(pools)
    return [str(_nth(pools, rng.randrange(total))) for _ in range(count)]


def _addresses(pools: Sequence[Pool]) -> Iterator[IPAddress]:
    for pool in pools:
        ip = pool.first
        while ip <= pool.last:
            yield ip
            if ip == pool.last:
                break
            ip += 1


def _nth(pools: Sequence[Pool], index: int) -> IPAddress:
    for pool in pools:
        if index < pool.size:
            return pool.first + index
        index -= pool.size
    raise IndexError(index)


def in_pools(ip: IPAddress, pools: Sequence[Pool]) -> bool:
    return any(ip in p for p in pools)


def revise(
    network: IPNetwork,
    gateway_ip: IPAddress | None,
    pools: list[Pool],
    changes: dict[str, Any],
) -> tuple[IPAddress | None, list[Pool]]:
    """A subnet's gateway and pools after an update, validated as on create.

    Either may change alone, so the other keeps its stored value and the
    pair is checked together: a new gateway must not fall inside the kept
    pools, nor new pools hold the kept gateway. Existing allocations are
    not checked against the new pools (neutron's behaviour): they stay,
    and only new allocations come from the new pools.
    """
    if "gateway_ip" in changes:
        gateway_ip = gateway(network, changes["gateway_ip"], True)
    if "allocation_pools" in changes:
        return gateway_ip, parse_pools(network, changes["allocation_pools"], gateway_ip)
    for pool in pools:
        if gateway_ip is not None and gateway_ip in pool:
            raise exc.GatewayConflictWithAllocationPools(
                ip_address=gateway_ip, pool=pool
            )
    return gateway_ip, pools
