"""neutron-server as a real process: 2 API workers, 1 RPC worker, both DBs.

Driven by openstacksdk without Keystone (``auth_type="none"`` and an
endpoint override: keystoneauth discovers v2.0 from ``GET /``), by raw
HTTP for the concurrency test, and by a test agent on plain
oslo.messaging over RabbitMQ for the RPC side.
"""

import concurrent.futures
import http.client
import json
import threading
import urllib.parse

import openstack
import oslo_messaging
import pytest
from oslo_config import cfg

from launcher import rpc
from tests.functional import harness

# openstacksdk 4.x warns about its own deprecations from inside its calls
# (pytest.ini turns warnings into errors).
pytestmark = [
    pytest.mark.functional,
    pytest.mark.filterwarnings(
        "ignore::openstack.warnings.OpenStackDeprecationWarning"
    ),
    pytest.mark.filterwarnings("ignore::openstack.warnings._RemovedInSDKWarning"),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"neutron-{request.param}")
    with _database(request.param) as url:
        if url:
            sync = harness.write_config(
                workdir / "sync.conf", {"database": {"connection": url}}
            )
            result = harness.run_cli(["db", "sync", "--config-file", str(sync)])
            assert result.returncode == 0, result.stderr
        extra = {
            "neutron_server": {
                "api_workers": 2,
                "rpc_workers": 1,
                "bind_port": 0,
                "bind_host": "127.0.0.1",
            }
        }
        daemon = harness.Daemon(
            workdir / "d", ["neutron-server"], database_url=url, extra=extra
        )
        daemon.start()
        try:
            daemon.wait_ready(timeout=60)
            daemon.url = daemon.api_url("neutron-server")
            yield daemon
        finally:
            daemon.stop()


def _database(kind):
    if kind == "postgresql":
        return harness.postgres_database()
    import contextlib

    return contextlib.nullcontext(None)


@pytest.fixture
def sdk(server):
    conn = openstack.connection.Connection(
        auth_type="none", network_endpoint_override=server.url, region_name="r"
    )
    yield conn.network
    conn.close()


def test_networks_subnets_ports_with_openstacksdk(sdk):
    net = sdk.create_network(name="sdk-net")
    subnet = sdk.create_subnet(network_id=net.id, cidr="10.20.0.0/24", ip_version=4)
    assert subnet.gateway_ip == "10.20.0.1"
    assert subnet.allocation_pools == [{"start": "10.20.0.2", "end": "10.20.0.254"}]
    ports = [sdk.create_port(network_id=net.id, name=f"p{i}") for i in range(5)]
    assert len({p.fixed_ips[0]["ip_address"] for p in ports}) == 5
    listed = list(sdk.ports(network_id=net.id, limit=2))  # follows next links
    assert sorted(p.id for p in listed) == sorted(p.id for p in ports)
    names = [
        p.name for p in sdk.ports(network_id=net.id, sort_key="name", sort_dir="desc")
    ]
    assert names == ["p4", "p3", "p2", "p1", "p0"]
    assert [p.name for p in sdk.ports(network_id=net.id, name="p3")] == ["p3"]
    assert sdk.update_port(ports[0], name="renamed").name == "renamed"
    assert sdk.get_network(net.id).subnet_ids == [subnet.id]
    with pytest.raises(openstack.exceptions.ConflictException, match="still in use"):
        sdk.delete_network(net)
    with pytest.raises(openstack.exceptions.ConflictException):
        sdk.delete_subnet(subnet)
    for port in ports:
        sdk.delete_port(port)
    sdk.delete_network(net)
    with pytest.raises(openstack.exceptions.NotFoundException):
        sdk.get_network(net.id)
    with pytest.raises(openstack.exceptions.BadRequestException):
        sdk.create_subnet(network_id=sdk.create_network().id, cidr="10.0.0.1/24")
    aliases = {e.alias for e in sdk.extensions()}
    assert {"pagination", "sorting"} <= aliases


def test_update_fixed_ips_and_allocation_pools_with_openstacksdk(sdk):
    net = sdk.create_network(name="sdk-update")
    subnet = sdk.create_subnet(network_id=net.id, cidr="10.21.0.0/24", ip_version=4)
    port = sdk.create_port(network_id=net.id)
    wanted = [{"subnet_id": subnet.id, "ip_address": "10.21.0.200"}]
    port = sdk.update_port(port, fixed_ips=wanted)
    assert port.fixed_ips == wanted
    other = sdk.create_port(network_id=net.id)
    with pytest.raises(openstack.exceptions.ConflictException, match="already"):
        sdk.update_port(other, fixed_ips=wanted)
    pools = [{"start": "10.21.0.10", "end": "10.21.0.10"}]
    subnet = sdk.update_subnet(subnet, allocation_pools=pools)
    assert subnet.allocation_pools == pools
    assert sdk.get_port(port.id).fixed_ips == wanted  # outside the pools: kept
    moved = sdk.update_port(other, fixed_ips=[{"subnet_id": subnet.id}])
    assert moved.fixed_ips == other.fixed_ips  # subnet only: its address is kept
    fresh = sdk.create_port(network_id=net.id)
    assert fresh.fixed_ips[0]["ip_address"] == "10.21.0.10"
    with pytest.raises(openstack.exceptions.ConflictException):
        sdk.update_subnet(subnet, gateway_ip="10.21.0.200")
    for item in (port, other, fresh):
        sdk.delete_port(item)
    sdk.delete_network(net)


def _post(url, path, body):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(
            "POST", path, json.dumps(body), {"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_fifty_concurrent_port_creates_on_thirteen_addresses(server, sdk):
    net = sdk.create_network(name="race")
    sdk.create_subnet(network_id=net.id, cidr="10.30.0.0/28", ip_version=4)
    body = {"port": {"network_id": net.id}}
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = list(
            pool.map(lambda _: _post(server.url, "/v2.0/ports", body), range(50))
        )
    created = [b["port"] for s, b in results if s == 201]
    refused = [b["NeutronError"]["type"] for s, b in results if s == 409]
    assert len(created) == 13, results
    assert refused == ["IpAddressGenerationFailure"] * 37
    addresses = [p["fixed_ips"][0]["ip_address"] for p in created]
    assert len(set(addresses)) == 13
    assert len(list(sdk.ports(network_id=net.id))) == 13


class _Agent:
    """A test L2 agent: hears the plugin's fanout casts."""

    def __init__(self):
        self.events = []
        self.changed = threading.Condition()

    def _record(self, name, **kwargs):
        with self.changed:
            self.events.append((name, kwargs))
            self.changed.notify_all()

    def port_create(self, context, port):
        self._record("port_create", port=port)

    def port_update(self, context, port):
        self._record("port_update", port=port)

    def port_delete(self, context, port_id, network_id):
        self._record("port_delete", port_id=port_id)

    def wait(self, name, port_id):
        def seen():
            return any(
                n == name and (k.get("port_id") or k["port"]["id"]) == port_id
                for n, k in self.events
            )

        harness.wait_for(seen, 20, f"{name} cast for {port_id}")


@pytest.fixture
def agent_transport(server):
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[])
    rpc.register_opts(conf)
    conf.set_override("transport_url", harness.RABBIT_URL)
    conf.set_override("control_exchange", server.exchange)
    transport = oslo_messaging.get_rpc_transport(conf)
    yield transport
    transport.cleanup()


def test_agent_rpc_and_fanout_casts(server, sdk, agent_transport):
    agent = _Agent()
    servers = [
        oslo_messaging.get_rpc_server(
            agent_transport,
            oslo_messaging.Target(
                topic=f"q-agent-notifier-port-{op}", server="agent-1"
            ),
            [agent],
        )
        for op in ("create", "update", "delete")
    ]
    for s in servers:
        s.start()
    try:
        _exercise_agent(sdk, agent, agent_transport)
    finally:
        for s in servers:
            s.stop()
            s.wait()


def _exercise_agent(sdk, agent, transport):
    client = oslo_messaging.get_rpc_client(
        transport, oslo_messaging.Target(topic="q-plugin", version="1.0"), timeout=30
    )
    state = {
        "agent_type": "Test agent",
        "binary": "test-agent",
        "host": "agent-1",
        "topic": "N/A",
        "configurations": {},
    }
    assert client.call({}, "report_state", agent_state=state)["status"] in (
        "new",
        "alive",
    )
    net = sdk.create_network(name="agent-net")
    sdk.create_subnet(network_id=net.id, cidr="10.40.0.0/24", ip_version=4)
    port = sdk.create_port(network_id=net.id, binding_host_id="agent-1")
    agent.wait("port_create", port.id)
    [bound] = client.call({}, "get_ports_on_host", host="agent-1")
    assert bound["id"] == port.id
    assert client.call({}, "update_port_status", port_id=port.id, status="ACTIVE")
    assert sdk.get_port(port.id).status == "ACTIVE"
    sdk.update_port(port, name="wired")
    agent.wait("port_update", port.id)
    sdk.delete_port(port)
    agent.wait("port_delete", port.id)
