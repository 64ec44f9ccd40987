"""Concurrent port creates never share an address: the key plus the retry.

The stale-view test forces the race deterministically: the first attempt
sees an empty subnet, picks an address another port already holds, and
must lose on the primary key and retry. The threaded test then races real
transactions (truly parallel under the threading backend).
"""

import concurrent.futures
import socket

import pytest

from launcher import config
from launcher.db import migration
from services.network import exceptions as exc
from services.network.plugins.base import ListQuery
from services.network.plugins.sql import plugin as sql_plugin
from services.network.plugins.sql import ports as port_ops
from tests.unit.network.conftest import (
    Recorder,
    make_conf,
    network_body,
    port_body,
    subnet_body,
)


def _postgres_up():
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 5432)) == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_plugin(request, tmp_path):
    if request.param == "sqlite":
        conf = make_conf(tmp_path)
        yield from _plugin(conf)
        return
    if not _postgres_up():
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    from tests.functional import harness

    with harness.postgres_database() as url:
        yield from _plugin(make_conf(tmp_path, url))


def _plugin(conf):
    migration.upgrade(config.database_connection(conf))
    plugin = sql_plugin.SqlPlugin(conf, Recorder())
    try:
        yield plugin
    finally:
        plugin.close()


def _small_network(plugin, cidr="10.9.0.0/28"):
    network = plugin.create_network(None, network_body())
    plugin.create_subnet(None, subnet_body(network["id"], cidr))
    return network


def test_stale_view_loses_on_the_key_and_retries(backend_plugin, monkeypatch):
    network = _small_network(backend_plugin, "10.9.0.0/29")  # 5 addresses
    first = backend_plugin.create_port(None, port_body(network["id"]))
    taken = first["fixed_ips"][0]["ip_address"]
    real = port_ops._allocated
    calls = []

    def stale_once(connection, subnet_id):
        calls.append(subnet_id)
        if len(calls) == 1:  # as if the first port were not committed yet
            return set()
        return real(connection, subnet_id)

    monkeypatch.setattr(port_ops, "_allocated", stale_once)
    monkeypatch.setattr(port_ops.ipam, "choose", _prefer(taken, port_ops.ipam.choose))
    second = backend_plugin.create_port(None, port_body(network["id"]))
    assert second["fixed_ips"][0]["ip_address"] != taken
    assert len(calls) >= 2  # retried


def _prefer(address, choose):
    def pick(pools, allocated, rng):
        if address not in allocated:
            return port_ops.ipam.parse_ip(address)
        return choose(pools, allocated, rng)

    return pick


def test_parallel_creates_never_share_an_address(backend_plugin):
    network = _small_network(backend_plugin)  # room for 13

    def create(_):
        try:
            port = backend_plugin.create_port(None, port_body(network["id"]))
        except exc.IpAddressGenerationFailure:
            return None
        return port["fixed_ips"][0]["ip_address"]

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(create, range(20)))
    addresses = [r for r in results if r is not None]
    assert len(addresses) == 13
    assert len(set(addresses)) == 13
    assert results.count(None) == 7


def _two_subnets(plugin):
    """A network with a roomy subnet and a /28 (13 addresses) to race on."""
    network = plugin.create_network(None, network_body())
    roomy = plugin.create_subnet(None, subnet_body(network["id"], "10.8.0.0/24"))
    small = plugin.create_subnet(None, subnet_body(network["id"], "10.9.0.0/28"))
    return network, roomy["id"], small["id"]


def _ports_on(plugin, network_id, subnet_id, count):
    fixed = [{"subnet_id": subnet_id}]
    body = port_body(network_id, fixed_ips=fixed)
    return [plugin.create_port(None, dict(body))["id"] for _ in range(count)]


def test_stale_view_update_loses_on_the_key_and_retries(backend_plugin, monkeypatch):
    network, roomy, small = _two_subnets(backend_plugin)
    wanted = [{"subnet_id": small, "ip_address": "10.9.0.5"}]
    backend_plugin.create_port(None, port_body(network["id"], fixed_ips=wanted))
    [port_id] = _ports_on(backend_plugin, network["id"], roomy, 1)
    real = port_ops._allocated
    calls = []

    def stale_once(connection, subnet_id):
        calls.append(subnet_id)
        return set() if len(calls) == 1 else real(connection, subnet_id)

    monkeypatch.setattr(port_ops, "_allocated", stale_once)
    with pytest.raises(exc.IpAddressAlreadyAllocated):
        backend_plugin.update_port(None, port_id, {"fixed_ips": wanted})
    assert len(calls) >= 2  # the key rejected the first attempt; it was retried
    port = backend_plugin.get_port(None, port_id)
    assert [ip["subnet_id"] for ip in port["fixed_ips"]] == [roomy]  # rolled back


def test_parallel_fixed_ips_updates_never_share_an_address(backend_plugin):
    network, roomy, small = _two_subnets(backend_plugin)
    port_ids = _ports_on(backend_plugin, network["id"], roomy, 20)

    def move(port_id):
        try:
            port = backend_plugin.update_port(
                None, port_id, {"fixed_ips": [{"subnet_id": small}]}
            )
        except exc.IpAddressGenerationFailure:
            return None
        [fixed] = port["fixed_ips"]
        assert fixed["subnet_id"] == small
        return fixed["ip_address"]

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(move, port_ids))
    addresses = [r for r in results if r is not None]
    assert len(addresses) == 13 and len(set(addresses)) == 13
    assert results.count(None) == 7


def test_parallel_updates_to_one_address_have_one_winner(backend_plugin):
    network, roomy, small = _two_subnets(backend_plugin)
    port_ids = _ports_on(backend_plugin, network["id"], roomy, 10)
    wanted = {"fixed_ips": [{"subnet_id": small, "ip_address": "10.9.0.9"}]}

    def claim(port_id):
        try:
            backend_plugin.update_port(None, port_id, dict(wanted))
        except exc.IpAddressAlreadyAllocated:
            return False
        return True

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(claim, port_ids))
    assert results.count(True) == 1
    query = ListQuery(filters={"fixed_ips": [{"ip_address": "10.9.0.9"}]})
    holders = backend_plugin.get_ports(None, query)
    assert len(holders) == 1
