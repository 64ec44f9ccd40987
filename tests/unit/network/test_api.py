"""The API through the real paste pipeline, in-process (webtest)."""

import pytest
import webtest

from launcher.testing.fixtures import ServiceFixture
from services.network import agent_notifier


@pytest.fixture
def service():
    fixture = ServiceFixture(
        "neutron-server", overrides={"neutron_server.bind_port": 0}
    )
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


@pytest.fixture
def api(service):
    return webtest.TestApp(service.app)


def _error(response):
    body = response if isinstance(response, dict) else response.json
    return body["NeutronError"]


def make_net(api, **kw):
    return api.post_json("/v2.0/networks", {"network": {"name": "n", **kw}}).json[
        "network"
    ]


def make_subnet(api, network_id, cidr="10.0.0.0/24", **kw):
    body = {"network_id": network_id, "cidr": cidr, "ip_version": 4, **kw}
    return api.post_json("/v2.0/subnets", {"subnet": body}).json["subnet"]


def make_port(api, network_id, status=201, **kw):
    body = {"port": {"network_id": network_id, **kw}}
    return api.post_json("/v2.0/ports", body, status=status).json


def test_version_and_resource_documents(api):
    versions = api.get("/").json["versions"]
    assert versions[0]["id"] == "v2.0" and versions[0]["status"] == "CURRENT"
    names = {r["collection"] for r in api.get("/v2.0").json["resources"]}
    assert names == {"networks", "subnets", "ports"}


def test_extensions(api):
    aliases = {e["alias"] for e in api.get("/v2.0/extensions").json["extensions"]}
    assert {"pagination", "sorting", "filter-validation"} <= aliases
    assert api.get("/v2.0/extensions/sorting").json["extension"]["alias"] == "sorting"
    assert _error(api.get("/v2.0/extensions/nope", status=404))


def test_network_lifecycle(api):
    net = make_net(api, description="d")
    assert net["admin_state_up"] is True and net["tenant_id"] == ""
    got = api.get(f"/v2.0/networks/{net['id']}").json["network"]
    assert got["description"] == "d"
    put = api.put_json(f"/v2.0/networks/{net['id']}", {"network": {"name": "x"}})
    assert put.json["network"]["name"] == "x"
    api.delete(f"/v2.0/networks/{net['id']}", status=204)
    error = _error(api.get(f"/v2.0/networks/{net['id']}", status=404))
    assert error["type"] == "NetworkNotFound"
    assert set(error) == {"type", "message", "detail"}


def test_bulk_create(api):
    body = {"networks": [{"name": "a"}, {"name": "b"}]}
    made = api.post_json("/v2.0/networks", body, status=201).json["networks"]
    assert [n["name"] for n in made] == ["a", "b"]


def test_list_filters_fields_sort_and_pages(api):
    for name in ["c", "a", "b", "d", "e"]:
        make_net(api, name=name, shared=name == "a")
    shared = api.get("/v2.0/networks?shared=true").json["networks"]
    assert [n["name"] for n in shared] == ["a"]
    two = api.get("/v2.0/networks?name=b&name=c&fields=name&fields=id").json
    assert sorted(n["name"] for n in two["networks"]) == ["b", "c"]
    assert set(two["networks"][0]) == {"name", "id"}
    page = api.get("/v2.0/networks?sort_key=name&sort_dir=desc&limit=2").json
    assert [n["name"] for n in page["networks"]] == ["e", "d"]
    [link] = page["networks_links"]
    assert link["rel"] == "next"
    nxt = api.get(link["href"].replace("http://localhost", "")).json
    assert [n["name"] for n in nxt["networks"]] == ["c", "b"]
    last = api.get(nxt["networks_links"][0]["href"].replace("http://localhost", ""))
    assert [n["name"] for n in last.json["networks"]] == ["a"]
    assert [lk["rel"] for lk in last.json["networks_links"]] == ["previous"]


def test_bad_queries(api):
    assert _error(api.get("/v2.0/networks?color=red", status=400))
    assert _error(api.get("/v2.0/networks?sort_key=subnets", status=400))
    assert _error(api.get("/v2.0/networks?limit=x", status=400))
    assert _error(api.get("/v2.0/networks?marker=nope", status=404))


def test_bad_bodies(api):
    assert _error(api.post("/v2.0/networks", "{", status=400))
    assert _error(api.post_json("/v2.0/networks", {"net": {}}, status=400))
    assert _error(api.post_json("/v2.0/networks", {"network": {"x": 1}}, status=400))
    bad = {"network": {"status": "DOWN"}}
    assert _error(api.post_json("/v2.0/networks", bad, status=400))
    assert _error(
        api.post_json("/v2.0/networks", {"network": {"shared": "x"}}, status=400)
    )


def test_subnet_validation(api):
    net = make_net(api)
    for body in (
        {"cidr": "10.0.0.1/24"},
        {"cidr": "banana"},
        {
            "cidr": "10.0.0.0/24",
            "allocation_pools": [
                {"start": "10.0.0.10", "end": "10.0.0.20"},
                {"start": "10.0.0.15", "end": "10.0.0.25"},
            ],
        },
    ):
        full = {"network_id": net["id"], "ip_version": 4, **body}
        error = _error(api.post_json("/v2.0/subnets", {"subnet": full}, status=400))
        assert error["type"] in ("InvalidInput", "OverlappingAllocationPools")
    missing = {"network_id": "nope", "cidr": "10.0.0.0/24", "ip_version": 4}
    assert _error(api.post_json("/v2.0/subnets", {"subnet": missing}, status=404))


def test_v6_subnet_and_port(api):
    net = make_net(api)
    subnet = make_subnet(api, net["id"], "2001:db8::/64", ip_version=6)
    assert subnet["gateway_ip"] == "2001:db8::1"
    port = make_port(api, net["id"])["port"]
    assert port["fixed_ips"][0]["ip_address"].startswith("2001:db8::")


def test_ports_integrity_and_exhaustion(api):
    net = make_net(api)
    subnet = make_subnet(api, net["id"], "10.7.0.0/29")
    ports = [make_port(api, net["id"])["port"] for _ in range(5)]
    assert len({p["fixed_ips"][0]["ip_address"] for p in ports}) == 5
    error = _error(make_port(api, net["id"], status=409))
    assert error["type"] == "IpAddressGenerationFailure"
    error = _error(api.delete(f"/v2.0/networks/{net['id']}", status=409))
    assert error["type"] == "NetworkInUse"
    error = _error(api.delete(f"/v2.0/subnets/{subnet['id']}", status=409))
    assert error["type"] == "SubnetInUse"
    by_ip = api.get(
        f"/v2.0/ports?fixed_ips=ip_address={ports[0]['fixed_ips'][0]['ip_address']}"
    ).json["ports"]
    assert [p["id"] for p in by_ip] == [ports[0]["id"]]
    for port in ports:
        api.delete(f"/v2.0/ports/{port['id']}", status=204)
    api.delete(f"/v2.0/networks/{net['id']}", status=204)


def test_port_update_and_requested_ip(api):
    net = make_net(api)
    subnet = make_subnet(api, net["id"])
    wanted = [{"subnet_id": subnet["id"], "ip_address": "10.0.0.99"}]
    port = make_port(api, net["id"], fixed_ips=wanted)["port"]
    assert port["fixed_ips"] == wanted
    error = _error(make_port(api, net["id"], status=409, fixed_ips=wanted))
    assert error["type"] == "IpAddressAlreadyAllocated"
    body = {"port": {"name": "p", "binding:host_id": "h1"}}
    updated = api.put_json(f"/v2.0/ports/{port['id']}", body).json["port"]
    assert updated["binding:host_id"] == "h1" and updated["revision_number"] == 1
    bad = {"port": {"mac_address": "fa:16:3e:00:00:01"}}
    assert _error(api.put_json(f"/v2.0/ports/{port['id']}", bad, status=400))


def test_unknown_paths_and_methods(api):
    assert _error(api.get("/v2.0/routers", status=404))
    assert _error(api.delete("/v2.0/networks", status=405))


def test_rpc_endpoints(service, api):
    net = make_net(api)
    make_subnet(api, net["id"])
    port = make_port(api, net["id"], **{"binding:host_id": "agent-1"})["port"]
    client = service.rpc_client()
    ports = client.call({}, "get_ports_on_host", host="agent-1")
    assert [p["id"] for p in ports] == [port["id"]]
    assert client.call({}, "update_port_status", port_id=port["id"], status="ACTIVE")
    assert api.get(f"/v2.0/ports/{port['id']}").json["port"]["status"] == "ACTIVE"
    state = {
        "agent_type": "Open vSwitch agent",
        "binary": "x",
        "host": "agent-1",
        "topic": "N/A",
        "configurations": {"a": 1},
    }
    assert client.call({}, "report_state", agent_state=state) == {"status": "new"}
    [agent] = client.call({}, "get_agents")
    assert agent["alive"] and agent["configurations"] == {"a": 1}


def _put_port(api, port_id, fixed_ips, status=200):
    body = {"port": {"fixed_ips": fixed_ips}}
    return api.put_json(f"/v2.0/ports/{port_id}", body, status=status).json


def _put_subnet(api, subnet_id, status=200, **changes):
    body = {"subnet": changes}
    return api.put_json(f"/v2.0/subnets/{subnet_id}", body, status=status).json


def test_port_fixed_ips_replace(api):
    net = make_net(api)
    subnet = make_subnet(api, net["id"])
    other = make_subnet(api, net["id"], "10.1.0.0/24")
    port = make_port(api, net["id"])["port"]
    [old] = port["fixed_ips"]
    wanted = {"subnet_id": subnet["id"], "ip_address": "10.0.0.77"}
    updated = _put_port(api, port["id"], [wanted])["port"]
    assert updated["fixed_ips"] == [wanted]
    assert updated["revision_number"] == port["revision_number"] + 1
    # the old address was released: another port can now ask for it
    assert make_port(api, net["id"], fixed_ips=[old])["port"]["fixed_ips"] == [old]
    # subnet_id only: the held address on that subnet stays, a new subnet adds one
    both = [{"subnet_id": subnet["id"]}, {"subnet_id": other["id"]}]
    updated = _put_port(api, port["id"], both)["port"]
    by_subnet = {ip["subnet_id"]: ip["ip_address"] for ip in updated["fixed_ips"]}
    assert by_subnet[subnet["id"]] == "10.0.0.77"
    assert by_subnet[other["id"]].startswith("10.1.0.")
    # an empty list releases everything
    assert _put_port(api, port["id"], [])["port"]["fixed_ips"] == []


def test_port_fixed_ips_errors(api):
    net = make_net(api)
    subnet = make_subnet(api, net["id"], "10.7.0.0/29")  # 5 addresses
    foreign = make_subnet(api, make_net(api)["id"], "10.8.0.0/24")
    port = make_port(api, net["id"])["port"]
    holder = make_port(api, net["id"])["port"]
    held = holder["fixed_ips"][0]
    cases = [
        ([{"subnet_id": foreign["id"]}], 400, "InvalidInput"),
        ([held], 409, "IpAddressAlreadyAllocated"),
        ([{"subnet_id": subnet["id"], "ip_address": "10.9.0.5"}], 400),
        ([{"ip_address": "10.7.0.7"}], 400, "InvalidIpForSubnet"),  # broadcast
        ([{"subnet_id": subnet["id"], "ip_address": "10.7.0.2"}] * 2, 400),
        (["10.7.0.2"], 400, "InvalidInput"),
        ([{"subnet_id": subnet["id"], "mac": "x"}], 400, "InvalidInput"),
    ]
    for fixed_ips, status, *kind in cases:
        error = _error(_put_port(api, port["id"], fixed_ips, status=status))
        assert not kind or error["type"] == kind[0], (fixed_ips, error)
    # a failed update changed nothing
    assert api.get(f"/v2.0/ports/{port['id']}").json["port"] == port
    for _ in range(3):
        make_port(api, net["id"])
    more = port["fixed_ips"] + [{"subnet_id": subnet["id"]}]
    error = _error(_put_port(api, port["id"], more, status=409))
    assert error["type"] == "IpAddressGenerationFailure"
    missing = _put_port(api, "nope", [], status=404)
    assert _error(missing)["type"] == "PortNotFound"


def test_port_fixed_ips_update_is_cast(api, monkeypatch):
    net = make_net(api)
    make_subnet(api, net["id"])
    port = make_port(api, net["id"])["port"]
    casts = []

    def record(self, context, port):
        casts.append(port)

    monkeypatch.setattr(agent_notifier.AgentNotifier, "port_update", record)
    updated = _put_port(api, port["id"], [{"ip_address": "10.0.0.42"}])["port"]
    assert [c["fixed_ips"] for c in casts] == [updated["fixed_ips"]]


def test_subnet_update_pools_and_gateway(api):
    net = make_net(api)
    subnet = make_subnet(api, net["id"], name="s")
    port = make_port(api, net["id"], fixed_ips=[{"ip_address": "10.0.0.5"}])["port"]
    pools = [{"start": "10.0.0.100", "end": "10.0.0.101"}]
    updated = _put_subnet(
        api, subnet["id"], allocation_pools=pools, name="t", description="d"
    )["subnet"]
    assert updated["allocation_pools"] == pools
    assert (updated["name"], updated["description"]) == ("t", "d")
    # the existing allocation outside the new pools stays (neutron's behaviour)
    assert api.get(f"/v2.0/ports/{port['id']}").json["port"]["fixed_ips"] == [
        {"subnet_id": subnet["id"], "ip_address": "10.0.0.5"}
    ]
    new = {
        make_port(api, net["id"])["port"]["fixed_ips"][0]["ip_address"] for _ in "ab"
    }
    assert new == {"10.0.0.100", "10.0.0.101"}
    moved = _put_subnet(api, subnet["id"], gateway_ip="10.0.0.254")["subnet"]
    assert moved["gateway_ip"] == "10.0.0.254" and moved["allocation_pools"] == pools
    assert (
        _put_subnet(api, subnet["id"], gateway_ip=None)["subnet"]["gateway_ip"] is None
    )


def test_subnet_update_errors(api):
    net = make_net(api)
    subnet = make_subnet(api, net["id"])
    make_port(api, net["id"], fixed_ips=[{"ip_address": "10.0.0.5"}])
    cases = [
        ({"allocation_pools": [{"start": "10.0.0.10", "end": "10.1.0.20"}]}, 400),
        (
            {
                "allocation_pools": [
                    {"start": "10.0.0.10", "end": "10.0.0.20"},
                    {"start": "10.0.0.15", "end": "10.0.0.25"},
                ]
            },
            400,
            "OverlappingAllocationPools",
        ),
        (
            {"allocation_pools": [{"start": "10.0.0.1", "end": "10.0.0.9"}]},
            409,
            "GatewayConflictWithAllocationPools",
        ),
        ({"gateway_ip": "10.0.0.50"}, 409, "GatewayConflictWithAllocationPools"),
        ({"gateway_ip": "10.5.0.1"}, 400, "InvalidInput"),
        (
            {
                "gateway_ip": "10.0.0.5",
                "allocation_pools": [{"start": "10.0.0.10", "end": "10.0.0.20"}],
            },
            409,
            "GatewayIpInUse",
        ),
        ({"cidr": "10.0.0.0/16"}, 400, "InvalidInput"),
    ]
    for changes, status, *kind in cases:
        error = _error(_put_subnet(api, subnet["id"], status=status, **changes))
        assert not kind or error["type"] == kind[0], (changes, error)
    assert api.get(f"/v2.0/subnets/{subnet['id']}").json["subnet"] == subnet
    assert _error(_put_subnet(api, "nope", status=404, name="x"))
