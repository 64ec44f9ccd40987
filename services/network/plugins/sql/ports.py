"""Port IP allocation (create and fixed_ips update), inside one transaction.

The addresses a port gets are chosen from what is committed now; the
primary key on ipallocations (subnet_id, ip_address) rejects the second
of two concurrent claims, and :meth:`Store.retrying` re-runs the whole
create (or update) with a fresh view. An empty pool is not a race: it is
IpAddressGenerationFailure at once.
"""

import collections
import json
import random
from typing import Any

from oslo_utils import uuidutils
from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.engine import Connection

from services.network import exceptions as exc
from services.network import ipam
from services.network.db import models
from services.network.plugins.base import Resource

_IPS = models.ipallocations


def random_mac(base_mac: str, rng: random.Random) -> str:
    prefix = base_mac.split(":")[:3]
    return ":".join([*prefix, *(f"{rng.randrange(256):02x}" for _ in range(3))])


def network_subnets(connection: Connection, network_id: str) -> list[Any]:
    query = (
        select(models.subnets)
        .where(models.subnets.c.network_id == network_id)
        .order_by(models.subnets.c.created_at, models.subnets.c.id)
    )
    return list(connection.execute(query))


def allocate(
    connection: Connection,
    port: Resource,
    rng: random.Random,
) -> list[dict[str, str]]:
    """Insert the port's allocations; returns its fixed_ips."""
    subnets = network_subnets(connection, port["network_id"])
    requested = port.get("fixed_ips")
    if requested is None:
        chosen = _automatic(connection, port["network_id"], subnets, rng)
    else:
        _check_no_repeats(requested)
        chosen = [_requested(connection, item, subnets, rng) for item in requested]
    _insert(connection, port["id"], port["network_id"], chosen)
    return [{"subnet_id": s, "ip_address": ip} for s, ip in chosen]


def replace(
    connection: Connection,
    port_id: str,
    network_id: str,
    requested: list[dict[str, Any]],
    rng: random.Random,
) -> None:
    """Make the port hold exactly ``requested`` (a PUT of fixed_ips).

    Addresses the port keeps are not touched (so a no-op update cannot
    lose them to a race), the ones no longer listed are released first,
    then the new ones are claimed exactly as on create: the same primary
    key rejects a concurrent claim and the caller retries the whole update.
    """
    _check_no_repeats(requested)
    subnets = network_subnets(connection, network_id)
    current = fixed_ips_of(connection, [port_id])[port_id]
    kept, wanted = _changes(current, requested, subnets)
    _release(connection, port_id, [ip for ip in current if ip not in kept])
    chosen = [_requested(connection, item, subnets, rng) for item in wanted]
    _insert(connection, port_id, network_id, chosen)


def _changes(
    current: list[dict[str, str]], requested: list[dict[str, Any]], subnets: list[Any]
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """(allocations kept, entries to allocate), matched as neutron does.

    An entry with an address keeps it if the port holds it already; an
    entry with only a subnet keeps one of the port's unclaimed addresses on
    that subnet, else asks for a new one. Every entry's subnet must be on
    the port's network (checked here, before anything is released).
    """
    by_ip = {ip["ip_address"]: ip for ip in current}
    kept: list[dict[str, str]] = []
    wanted: list[dict[str, Any]] = []
    for item in (i for i in requested if "ip_address" in i):
        subnet = _subnet_for(item, subnets)
        held = by_ip.get(str(ipam.parse_ip(item["ip_address"])))
        if held is not None and held["subnet_id"] == subnet.id:
            kept.append(by_ip.pop(held["ip_address"]))
        else:
            wanted.append(item)
    by_subnet = collections.defaultdict(list)
    for ip in by_ip.values():
        by_subnet[ip["subnet_id"]].append(ip)
    for item in (i for i in requested if "ip_address" not in i):
        _subnet_for(item, subnets)
        spare = by_subnet.get(item["subnet_id"])
        if spare:
            kept.append(spare.pop(0))
        else:
            wanted.append(item)
    return kept, wanted


def _check_no_repeats(requested: list[dict[str, Any]]) -> None:
    """One address asked twice would only trip the key (and be retried)."""
    seen: set[str] = set()
    for item in requested:
        if "ip_address" not in item:
            continue
        address = str(ipam.parse_ip(item["ip_address"]))
        if address in seen:
            raise exc.InvalidInput(f"IP address {address} is requested twice")
        seen.add(address)


def _release(
    connection: Connection, port_id: str, released: list[dict[str, str]]
) -> None:
    if not released:
        return
    pairs = [(ip["subnet_id"], ip["ip_address"]) for ip in released]
    connection.execute(
        delete(_IPS).where(
            _IPS.c.port_id == port_id,
            tuple_(_IPS.c.subnet_id, _IPS.c.ip_address).in_(pairs),
        )
    )


def _insert(
    connection: Connection,
    port_id: str,
    network_id: str,
    chosen: list[tuple[str, str]],
) -> None:
    rows = [
        {
            "port_id": port_id,
            "subnet_id": subnet_id,
            "ip_address": ip,
            "network_id": network_id,
        }
        for subnet_id, ip in chosen
    ]
    if rows:
        connection.execute(insert(_IPS), rows)


def _automatic(
    connection: Connection, network_id: str, subnets: list[Any], rng: random.Random
) -> list[tuple[str, str]]:
    """One v4 address (first subnet with room) and one per v6 subnet."""
    chosen = []
    v4 = [s for s in subnets if s.ip_version == 4]
    for subnet in v4:
        ip = _pick(connection, subnet, rng)
        if ip is not None:
            chosen.append((subnet.id, ip))
            break
    else:
        if v4:
            raise exc.IpAddressGenerationFailure(net_id=network_id)
    for subnet in (s for s in subnets if s.ip_version == 6):
        ip = _pick(connection, subnet, rng)
        if ip is None:
            raise exc.IpAddressGenerationFailure(net_id=network_id)
        chosen.append((subnet.id, ip))
    return chosen


def _requested(
    connection: Connection, item: dict[str, Any], subnets: list[Any], rng: random.Random
) -> tuple[str, str]:
    subnet = _subnet_for(item, subnets)
    if "ip_address" not in item:
        ip = _pick(connection, subnet, rng)
        if ip is None:
            raise exc.IpAddressGenerationFailure(net_id=subnet.network_id)
        return subnet.id, ip
    address = ipam.parse_ip(item["ip_address"])
    network = ipam.parse_cidr(subnet.cidr, subnet.ip_version)
    if address not in ipam.usable_range(network) or str(address) == subnet.gateway_ip:
        raise exc.InvalidIpForSubnet(str(address))
    if str(address) in _allocated(connection, subnet.id):
        raise exc.IpAddressAlreadyAllocated(ip=address, subnet_id=subnet.id)
    return subnet.id, str(address)


def _subnet_for(item: dict[str, Any], subnets: list[Any]) -> Any:
    if "subnet_id" in item:
        found = [s for s in subnets if s.id == item["subnet_id"]]
        if not found:
            raise exc.InvalidInput(
                f"subnet {item['subnet_id']} is not on the port's network"
            )
        return found[0]
    address = ipam.parse_ip(item.get("ip_address"))
    for subnet in subnets:
        if address in ipam.parse_cidr(subnet.cidr, subnet.ip_version):
            return subnet
    raise exc.InvalidIpForSubnet(str(address))


def _pick(connection: Connection, subnet: Any, rng: random.Random) -> str | None:
    """A free address: sampled in a large pool, else chosen among all free."""
    pools = ipam.pools_from_dicts(json.loads(subnet.allocation_pools))
    if ipam.capacity(pools) > ipam.SAMPLE_ABOVE:
        candidates = ipam.sample(pools, ipam.SAMPLES, rng)
        query = select(_IPS.c.ip_address).where(
            _IPS.c.subnet_id == subnet.id, _IPS.c.ip_address.in_(candidates)
        )
        taken = set(connection.execute(query).scalars())
        free = [c for c in candidates if c not in taken]
        if free:
            return free[0]
    ip = ipam.choose(pools, _allocated(connection, subnet.id), rng)
    return None if ip is None else str(ip)


def _allocated(connection: Connection, subnet_id: str) -> set[str]:
    query = select(_IPS.c.ip_address).where(_IPS.c.subnet_id == subnet_id)
    return set(connection.execute(query).scalars())


def fixed_ips_of(connection: Connection, port_ids: list[str]) -> dict[str, list]:
    """port id -> its fixed_ips, in one SELECT."""
    found: dict[str, list] = {pid: [] for pid in port_ids}
    if not port_ids:
        return found
    query = (
        select(_IPS.c.port_id, _IPS.c.subnet_id, _IPS.c.ip_address)
        .where(_IPS.c.port_id.in_(port_ids))
        .order_by(_IPS.c.subnet_id, _IPS.c.ip_address)
    )
    for row in connection.execute(query):
        found[row.port_id].append(
            {"subnet_id": row.subnet_id, "ip_address": row.ip_address}
        )
    return found


def new_id(port: Resource) -> str:
    return port.get("id") or uuidutils.generate_uuid()
