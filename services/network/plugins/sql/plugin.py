"""The ``sql`` core plugin: an ml2-like store of networks, subnets and ports.

Each call is one transaction through SQLAlchemy Core. Integrity that must
hold across workers is left to the database: foreign keys stop a port
appearing on a network being deleted, and the ipallocations key stops two
ports getting one address. The checks made first (NetworkInUse,
SubnetInUse) give the precise error; the constraints close the race.
"""

import json
import random
from typing import Any

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_utils import timeutils, uuidutils
from sqlalchemy import delete, exists, insert, or_, select, update
from sqlalchemy.engine import Connection

from services.network import exceptions as exc
from services.network import ipam
from services.network.db import models
from services.network.plugins import base
from services.network.plugins.base import ListQuery, Resource
from services.network.plugins.sql import ports as port_ops
from services.network.plugins.sql import query as list_query
from services.network.plugins.sql import store, views

EXTENSIONS = frozenset(
    {
        "pagination",
        "sorting",
        "filter-validation",
        "fields",
        "project-id",
        "binding",
        "standard-attr-description",
        "standard-attr-timestamp",
        "standard-attr-revisions",
        "agent",
    }
)

_NET, _SUB, _PORT = models.networks, models.subnets, models.ports

# API attribute -> column, for filters and sort keys.
COLUMNS: dict[str, dict[str, Any]] = {
    "network": {
        **{c: _NET.c[c] for c in _NET.c.keys()},
        "tenant_id": _NET.c.project_id,
    },
    "subnet": {
        **{c: _SUB.c[c] for c in _SUB.c.keys()},
        "tenant_id": _SUB.c.project_id,
    },
    "port": {
        **{c: _PORT.c[c] for c in _PORT.c.keys() if c != "host"},
        "tenant_id": _PORT.c.project_id,
        "binding:host_id": _PORT.c.host,
    },
}

_STANDARD = ("project_id", "name", "description")


def _stamp(item: Resource, now: Any) -> dict[str, Any]:
    values = {k: item[k] for k in _STANDARD}
    return {**values, "created_at": now, "updated_at": now, "revision_number": 0}


class SqlPlugin(base.CorePlugin):
    """Core plugin storing in the service's database (alias ``sql``)."""

    def __init__(self, conf: cfg.ConfigOpts, notifier: Any = None) -> None:
        super().__init__(conf, notifier)
        self.store = store.Store(store.database(conf), conf.network.ipam_max_retries)
        self._rng = random.SystemRandom()

    def supported_extensions(self) -> frozenset[str]:
        return EXTENSIONS

    def close(self) -> None:
        self.store.close()

    # -- networks ------------------------------------------------------

    def create_network(self, context: Any, network: Resource) -> Resource:
        return self.create_bulk(context, "network", [network])[0]

    def get_network(self, context: Any, id: str) -> Resource:
        return self.store.read(lambda c: self._show_network(c, id))

    def get_networks(self, context: Any, query: ListQuery) -> list[Resource]:
        return self.store.read(lambda c: self._list_networks(c, query))

    def update_network(self, context: Any, id: str, network: Resource) -> Resource:
        def work(c: Connection) -> Resource:
            self._update(c, _NET, id, network, exc.NetworkNotFound(net_id=id))
            return self._show_network(c, id)

        return self.store.run(work)

    def delete_network(self, context: Any, id: str) -> None:
        def work(c: Connection) -> None:
            self._require(c, _NET, id, exc.NetworkNotFound(net_id=id))
            if c.execute(select(exists().where(_PORT.c.network_id == id))).scalar():
                raise exc.NetworkInUse(net_id=id)
            c.execute(delete(_SUB).where(_SUB.c.network_id == id))
            c.execute(delete(_NET).where(_NET.c.id == id))

        self._guarded(work, exc.NetworkInUse(net_id=id))

    def _show_network(self, c: Connection, id: str) -> Resource:
        row = self._require(c, _NET, id, exc.NetworkNotFound(net_id=id))
        return views.network(row, self._subnet_ids(c, [id])[id])

    def _list_networks(self, c: Connection, query: ListQuery) -> list[Resource]:
        rows = list(c.execute(list_query.build(c, _NET, COLUMNS["network"], query)))
        subnet_ids = self._subnet_ids(c, [r.id for r in rows])
        return [views.network(r, subnet_ids[r.id]) for r in rows]

    def _subnet_ids(self, c: Connection, network_ids: list[str]) -> dict[str, list]:
        found: dict[str, list] = {n: [] for n in network_ids}
        if network_ids:
            query = select(_SUB.c.network_id, _SUB.c.id).where(
                _SUB.c.network_id.in_(network_ids)
            )
            for row in c.execute(query.order_by(_SUB.c.created_at, _SUB.c.id)):
                found[row.network_id].append(row.id)
        return found

    def _insert_network(self, c: Connection, item: Resource, now: Any) -> Resource:
        values = {
            "id": item.get("id") or uuidutils.generate_uuid(),
            **_stamp(item, now),
            "admin_state_up": item["admin_state_up"],
            "status": "ACTIVE",
            "shared": item["shared"],
            "mtu": item.get("mtu") or self.conf.network.default_mtu,
        }
        c.execute(insert(_NET).values(**values))
        return self._show_network(c, values["id"])

    # -- subnets -------------------------------------------------------

    def create_subnet(self, context: Any, subnet: Resource) -> Resource:
        return self.create_bulk(context, "subnet", [subnet])[0]

    def get_subnet(self, context: Any, id: str) -> Resource:
        row = self.store.read(
            lambda c: self._require(c, _SUB, id, exc.SubnetNotFound(subnet_id=id))
        )
        return views.subnet(row)

    def get_subnets(self, context: Any, query: ListQuery) -> list[Resource]:
        statement = lambda c: list_query.build(c, _SUB, COLUMNS["subnet"], query)  # noqa: E731
        rows = self.store.read(lambda c: list(c.execute(statement(c))))
        return [views.subnet(r) for r in rows]

    def update_subnet(self, context: Any, id: str, subnet: Resource) -> Resource:
        values = dict(subnet)
        for key in ("dns_nameservers", "host_routes"):
            if key in values:
                values[key] = json.dumps(values[key])

        def work(c: Connection) -> Any:
            missing = exc.SubnetNotFound(subnet_id=id)
            row = self._require(c, _SUB, id, missing)
            self._update(
                c, _SUB, id, {**values, **_addressing(c, row, subnet)}, missing
            )
            return self._require(c, _SUB, id, missing)

        return views.subnet(self.store.run(work))

    def delete_subnet(self, context: Any, id: str) -> None:
        ips = models.ipallocations

        def work(c: Connection) -> None:
            self._require(c, _SUB, id, exc.SubnetNotFound(subnet_id=id))
            if c.execute(select(exists().where(ips.c.subnet_id == id))).scalar():
                raise exc.SubnetInUse(subnet_id=id)
            c.execute(delete(_SUB).where(_SUB.c.id == id))

        self._guarded(work, exc.SubnetInUse(subnet_id=id))

    def _insert_subnet(self, c: Connection, item: Resource, now: Any) -> Resource:
        self._require(c, _NET, item["network_id"], _net_missing(item["network_id"]))
        network = ipam.parse_cidr(item["cidr"], item["ip_version"])
        self._check_overlap(c, item["network_id"], network)
        gateway = ipam.gateway(network, item.get("gateway_ip"), "gateway_ip" in item)
        if item.get("allocation_pools") is None:
            pools = ipam.default_pools(network, gateway)
        else:
            pools = ipam.parse_pools(network, item["allocation_pools"], gateway)
        values = {
            "id": item.get("id") or uuidutils.generate_uuid(),
            **_stamp(item, now),
            "network_id": item["network_id"],
            "ip_version": network.version,
            "cidr": str(network),
            "gateway_ip": None if gateway is None else str(gateway),
            "enable_dhcp": item["enable_dhcp"],
            "allocation_pools": json.dumps([p.to_dict() for p in pools]),
            "dns_nameservers": json.dumps(item["dns_nameservers"]),
            "host_routes": json.dumps(item["host_routes"]),
            "ipv6_ra_mode": item.get("ipv6_ra_mode"),
            "ipv6_address_mode": item.get("ipv6_address_mode"),
        }
        c.execute(insert(_SUB).values(**values))
        return views.subnet(self._require(c, _SUB, values["id"], exc.NotFound()))

    def _check_overlap(self, c: Connection, network_id: str, network: Any) -> None:
        query = select(_SUB.c.cidr, _SUB.c.ip_version).where(
            _SUB.c.network_id == network_id
        )
        for row in c.execute(query):
            other = ipam.parse_cidr(row.cidr, row.ip_version)
            if other.version == network.version and other.overlaps(network):
                raise exc.InvalidInput(
                    f"requested subnet with cidr {network} overlaps with "
                    f"another subnet {other} on network {network_id}"
                )

    # -- ports ---------------------------------------------------------

    def create_port(self, context: Any, port: Resource) -> Resource:
        return self.create_bulk(context, "port", [port])[0]

    def get_port(self, context: Any, id: str) -> Resource:
        return self.store.read(lambda c: self._show_port(c, id))

    def get_ports(self, context: Any, query: ListQuery) -> list[Resource]:
        return self.store.read(lambda c: self._list_ports(c, query))

    def update_port(self, context: Any, id: str, port: Resource) -> Resource:
        """Update columns and, when given, replace the port's fixed_ips.

        A fixed_ips change claims addresses like a create does, so it runs
        under the same retry: a lost race on the ipallocations key re-runs
        the whole update with the committed state.
        """
        values = dict(port)
        requested = values.pop("fixed_ips", None)
        if "binding:host_id" in values:
            values["host"] = values.pop("binding:host_id") or ""

        def work(c: Connection) -> Resource:
            self._update(c, _PORT, id, values, exc.PortNotFound(port_id=id))
            if requested is not None:
                network_id = self._show_port(c, id)["network_id"]
                port_ops.replace(c, id, network_id, requested, self._rng)
            return self._show_port(c, id)

        updated = self._guarded(work, None, retry=requested is not None)
        self._notify("port_update", context, updated)
        return updated

    def delete_port(self, context: Any, id: str) -> None:
        def work(c: Connection) -> Resource:
            found = self._show_port(c, id)
            ips = models.ipallocations
            c.execute(delete(ips).where(ips.c.port_id == id))
            c.execute(delete(_PORT).where(_PORT.c.id == id))
            return found

        deleted = self.store.run(work)
        self._notify("port_delete", context, deleted)

    def _show_port(self, c: Connection, id: str) -> Resource:
        row = self._require(c, _PORT, id, exc.PortNotFound(port_id=id))
        return views.port(row, port_ops.fixed_ips_of(c, [id])[id])

    def _list_ports(self, c: Connection, query: ListQuery) -> list[Resource]:
        ip_filter = query.filters.get("fixed_ips")
        if ip_filter is not None:
            query = _without_filter(query, "fixed_ips")
        statement = list_query.build(c, _PORT, COLUMNS["port"], query)
        if ip_filter is not None:
            statement = statement.where(_fixed_ip_clause(ip_filter))
        rows = list(c.execute(statement))
        fixed = port_ops.fixed_ips_of(c, [r.id for r in rows])
        return [views.port(r, fixed[r.id]) for r in rows]

    def _insert_port(self, c: Connection, item: Resource, now: Any) -> Resource:
        self._require(c, _NET, item["network_id"], _net_missing(item["network_id"]))
        port_id = port_ops.new_id(item)
        mac = item.get("mac_address") or port_ops.random_mac(
            self.conf.network.base_mac, self._rng
        )
        values = {
            "id": port_id,
            **_stamp(item, now),
            "network_id": item["network_id"],
            "mac_address": mac,
            "admin_state_up": item["admin_state_up"],
            "status": "DOWN",
            "device_id": item["device_id"],
            "device_owner": item["device_owner"],
            "host": item.get("binding:host_id") or "",
        }
        if item.get("mac_address") and self._mac_taken(c, item["network_id"], mac):
            raise exc.MacAddressInUse(net_id=item["network_id"], mac=mac)
        c.execute(insert(_PORT).values(**values))
        port_ops.allocate(c, {**item, "id": port_id}, self._rng)
        return self._show_port(c, port_id)

    def _mac_taken(self, c: Connection, network_id: str, mac: str) -> bool:
        clause = (_PORT.c.network_id == network_id) & (_PORT.c.mac_address == mac)
        return bool(c.execute(select(exists().where(clause))).scalar())

    # -- bulk ----------------------------------------------------------

    def create_bulk(
        self, context: Any, resource: str, items: list[Resource]
    ) -> list[Resource]:
        """All items in one transaction: all are created, or none."""
        insert_one = getattr(self, f"_insert_{resource}")

        def work(c: Connection) -> list[Resource]:
            now = timeutils.utcnow().replace(microsecond=0)
            return [insert_one(c, item, now) for item in items]

        created = self._guarded(lambda c: work(c), None, retry=resource == "port")
        if resource == "port":
            for port in created:
                self._notify("port_create", context, port)
        return created

    # -- agents (RPC) --------------------------------------------------

    def get_ports_on_host(self, context: Any, host: str) -> list[Resource]:
        query = ListQuery(filters={"binding:host_id": [host]})
        return self.get_ports(context, query)

    def update_port_status(self, context: Any, port_id: str, status: str) -> bool:
        def work(c: Connection) -> Resource | None:
            statement = (
                update(_PORT)
                .where(_PORT.c.id == port_id, _PORT.c.status != status)
                .values(
                    status=status,
                    updated_at=timeutils.utcnow().replace(microsecond=0),
                    revision_number=_PORT.c.revision_number + 1,
                )
            )
            if c.execute(statement).rowcount == 0:
                self._require(c, _PORT, port_id, exc.PortNotFound(port_id=port_id))
                return None
            return self._show_port(c, port_id)

        changed = self.store.run(work)
        return changed is not None

    def report_state(self, context: Any, agent_state: Resource) -> Resource:
        from services.network.plugins.sql import agents

        return self.store.retrying(lambda c: agents.report(c, agent_state))

    def get_agents(self, context: Any) -> list[Resource]:
        from services.network.plugins.sql import agents

        down_time = self.conf.network.agent_down_time
        return self.store.read(lambda c: agents.list_agents(c, down_time))

    # -- helpers -------------------------------------------------------

    def _require(self, c: Connection, table: Any, id: str, missing: Exception) -> Any:
        row = c.execute(select(table).where(table.c.id == id)).first()
        if row is None:
            raise missing
        return row

    def _update(
        self, c: Connection, table: Any, id: str, values: Resource, missing: Exception
    ) -> None:
        statement = (
            update(table)
            .where(table.c.id == id)
            .values(
                **values,
                updated_at=timeutils.utcnow().replace(microsecond=0),
                revision_number=table.c.revision_number + 1,
            )
        )
        if c.execute(statement).rowcount == 0:
            raise missing

    def _guarded(self, work: Any, in_use: Exception | None, retry: bool = False) -> Any:
        """Run ``work``; a foreign-key violation means a concurrent user."""
        try:
            return (self.store.retrying if retry else self.store.run)(work)
        except db_exc.DBReferenceError as error:
            if in_use is not None:
                raise in_use from None
            raise exc.Conflict(
                f"a referenced resource was deleted: {error.key}"
            ) from None
        except db_exc.DBDuplicateEntry as error:
            raise exc.Conflict(f"duplicate {', '.join(error.columns or [])}") from None

    def _notify(self, event: str, context: Any, port: Resource) -> None:
        if self.notifier is not None:
            getattr(self.notifier, event)(context, port)


def _net_missing(network_id: str) -> Exception:
    return exc.NetworkNotFound(net_id=network_id)


def _addressing(c: Connection, row: Any, changes: Resource) -> dict[str, Any]:
    """New gateway_ip/allocation_pools columns of an update, validated.

    Existing allocations may fall outside new pools (neutron keeps them),
    but the gateway cannot move onto an address a port already holds: the
    port and the router would then answer for one address.
    """
    if "gateway_ip" not in changes and "allocation_pools" not in changes:
        return {}
    network = ipam.parse_cidr(row.cidr, row.ip_version)
    current = None if row.gateway_ip is None else ipam.parse_ip(row.gateway_ip)
    pools = ipam.pools_from_dicts(json.loads(row.allocation_pools))
    gateway, pools = ipam.revise(network, current, pools, changes)
    if gateway is not None and gateway != current:
        _check_gateway_free(c, row.id, str(gateway))
    return {
        "gateway_ip": None if gateway is None else str(gateway),
        "allocation_pools": json.dumps([p.to_dict() for p in pools]),
    }


def _check_gateway_free(c: Connection, subnet_id: str, gateway: str) -> None:
    ips = models.ipallocations
    holder = c.execute(
        select(ips.c.port_id).where(
            ips.c.subnet_id == subnet_id, ips.c.ip_address == gateway
        )
    ).scalar()
    if holder is not None:
        raise exc.GatewayIpInUse(ip_address=gateway, port_id=holder)


def _without_filter(query: ListQuery, name: str) -> ListQuery:
    filters = {k: v for k, v in query.filters.items() if k != name}
    return ListQuery(
        filters, query.sorts, query.limit, query.marker, query.page_reverse
    )


def _fixed_ip_clause(values: list[dict[str, str]]) -> Any:
    """Ports holding an allocation matching every key of any value."""
    ips = models.ipallocations
    clauses = []
    for value in values:
        match = [ips.c[key] == v for key, v in value.items()]
        clauses.append(exists().where(ips.c.port_id == _PORT.c.id, *match))
    return or_(*clauses)
