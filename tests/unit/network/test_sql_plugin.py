import pytest

from services.network import exceptions as exc
from services.network.plugins.base import ListQuery
from tests.unit.network.conftest import network_body, port_body, subnet_body


def test_network_crud(plugin):
    created = plugin.create_network(None, network_body(name="a"))
    assert created["status"] == "ACTIVE"
    assert created["tenant_id"] == "p1"
    assert created["subnets"] == []
    got = plugin.get_network(None, created["id"])
    assert got == created
    updated = plugin.update_network(None, created["id"], {"name": "b"})
    assert updated["name"] == "b"
    assert updated["revision_number"] == 1
    plugin.delete_network(None, created["id"])
    with pytest.raises(exc.NetworkNotFound):
        plugin.get_network(None, created["id"])


def test_subnet_defaults_and_network_lists_it(plugin):
    network = plugin.create_network(None, network_body())
    subnet = plugin.create_subnet(None, subnet_body(network["id"], "10.1.0.0/28"))
    assert subnet["gateway_ip"] == "10.1.0.1"
    assert subnet["allocation_pools"] == [{"start": "10.1.0.2", "end": "10.1.0.14"}]
    assert plugin.get_network(None, network["id"])["subnets"] == [subnet["id"]]


def test_overlapping_subnet_on_one_network_rejected(plugin):
    network = plugin.create_network(None, network_body())
    plugin.create_subnet(None, subnet_body(network["id"], "10.1.0.0/24"))
    with pytest.raises(exc.InvalidInput):
        plugin.create_subnet(None, subnet_body(network["id"], "10.1.0.128/25"))


def test_subnet_on_unknown_network(plugin):
    with pytest.raises(exc.NetworkNotFound):
        plugin.create_subnet(None, subnet_body("nope"))


def test_port_gets_an_address_from_the_pool(plugin, notifier):
    network = plugin.create_network(None, network_body())
    subnet = plugin.create_subnet(None, subnet_body(network["id"], "10.2.0.0/28"))
    port = plugin.create_port(None, port_body(network["id"]))
    [fixed] = port["fixed_ips"]
    assert fixed["subnet_id"] == subnet["id"]
    assert fixed["ip_address"] not in ("10.2.0.0", "10.2.0.1", "10.2.0.15")
    assert port["mac_address"].startswith("fa:16:3e:")
    assert port["status"] == "DOWN"
    assert notifier.events == [("port_create", port["id"])]


def test_requested_address_and_conflicts(plugin):
    network = plugin.create_network(None, network_body())
    subnet = plugin.create_subnet(None, subnet_body(network["id"], "10.3.0.0/24"))
    wanted = [{"subnet_id": subnet["id"], "ip_address": "10.3.0.50"}]
    port = plugin.create_port(None, port_body(network["id"], fixed_ips=wanted))
    assert port["fixed_ips"] == wanted
    with pytest.raises(exc.IpAddressAlreadyAllocated):
        plugin.create_port(None, port_body(network["id"], fixed_ips=wanted))
    with pytest.raises(exc.InvalidIpForSubnet):
        plugin.create_port(
            None, port_body(network["id"], fixed_ips=[{"ip_address": "10.9.0.5"}])
        )
    with pytest.raises(exc.InvalidIpForSubnet):  # the gateway
        plugin.create_port(
            None, port_body(network["id"], fixed_ips=[{"ip_address": "10.3.0.1"}])
        )


def test_exhausted_subnet(plugin):
    network = plugin.create_network(None, network_body())
    plugin.create_subnet(None, subnet_body(network["id"], "10.4.0.0/29"))
    ips = {
        plugin.create_port(None, port_body(network["id"]))["fixed_ips"][0]["ip_address"]
        for _ in range(5)
    }
    assert len(ips) == 5
    with pytest.raises(exc.IpAddressGenerationFailure):
        plugin.create_port(None, port_body(network["id"]))


def test_integrity_on_delete(plugin, notifier):
    network = plugin.create_network(None, network_body())
    subnet = plugin.create_subnet(None, subnet_body(network["id"]))
    port = plugin.create_port(None, port_body(network["id"]))
    with pytest.raises(exc.NetworkInUse):
        plugin.delete_network(None, network["id"])
    with pytest.raises(exc.SubnetInUse):
        plugin.delete_subnet(None, subnet["id"])
    plugin.delete_port(None, port["id"])
    assert notifier.events[-1] == ("port_delete", port["id"])
    plugin.delete_subnet(None, subnet["id"])
    plugin.delete_network(None, network["id"])


def test_network_delete_takes_its_subnets(plugin):
    network = plugin.create_network(None, network_body())
    subnet = plugin.create_subnet(None, subnet_body(network["id"]))
    plugin.delete_network(None, network["id"])
    with pytest.raises(exc.SubnetNotFound):
        plugin.get_subnet(None, subnet["id"])


def test_bulk_is_all_or_nothing(plugin):
    network = plugin.create_network(None, network_body())
    plugin.create_subnet(None, subnet_body(network["id"], "10.5.0.0/29"))
    with pytest.raises(exc.IpAddressGenerationFailure):
        plugin.create_bulk(None, "port", [port_body(network["id"])] * 6)
    assert plugin.get_ports(None, ListQuery()) == []
    made = plugin.create_bulk(None, "port", [port_body(network["id"])] * 5)
    assert len(made) == 5


def test_list_filters_sorting_and_pages(plugin):
    for name in ["c", "a", "b", "a"]:
        plugin.create_network(None, network_body(name=name))
    only_a = plugin.get_networks(None, ListQuery(filters={"name": ["a"]}))
    assert [n["name"] for n in only_a] == ["a", "a"]
    by_name = ListQuery(sorts=[("name", True)], limit=2)
    first = plugin.get_networks(None, by_name)
    assert [n["name"] for n in first] == ["a", "a"]
    second = plugin.get_networks(
        None, ListQuery(sorts=[("name", True)], limit=2, marker=first[-1]["id"])
    )
    assert [n["name"] for n in second] == ["b", "c"]
    desc = plugin.get_networks(None, ListQuery(sorts=[("name", False)]))
    assert [n["name"] for n in desc] == ["c", "b", "a", "a"]
    with pytest.raises(exc.MarkerNotFound):
        plugin.get_networks(None, ListQuery(marker="missing"))


def test_ports_by_fixed_ip_and_host(plugin):
    network = plugin.create_network(None, network_body())
    plugin.create_subnet(None, subnet_body(network["id"]))
    port = plugin.create_port(
        None, port_body(network["id"], **{"binding:host_id": "h1"})
    )
    plugin.create_port(None, port_body(network["id"]))
    ip = port["fixed_ips"][0]["ip_address"]
    found = plugin.get_ports(
        None, ListQuery(filters={"fixed_ips": [{"ip_address": ip}]})
    )
    assert [p["id"] for p in found] == [port["id"]]
    assert [p["id"] for p in plugin.get_ports_on_host(None, "h1")] == [port["id"]]


def test_port_status_and_agents(plugin):
    network = plugin.create_network(None, network_body())
    port = plugin.create_port(None, port_body(network["id"]))
    assert plugin.update_port_status(None, port["id"], "ACTIVE") is True
    assert plugin.update_port_status(None, port["id"], "ACTIVE") is False
    assert plugin.get_port(None, port["id"])["status"] == "ACTIVE"
    with pytest.raises(exc.PortNotFound):
        plugin.update_port_status(None, "missing", "ACTIVE")
    state = {"agent_type": "L2", "binary": "a", "host": "h", "topic": "N/A"}
    assert plugin.report_state(None, state) == {"status": "new"}
    assert plugin.report_state(None, state) == {"status": "alive"}
    [agent] = plugin.get_agents(None)
    assert agent["alive"] and agent["host"] == "h"
