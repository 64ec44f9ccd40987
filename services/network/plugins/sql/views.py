"""Rows to API dicts, in neutron's shapes (tenant_id beside project_id)."""

import datetime
import json
from typing import Any

from services.network.plugins.base import Resource

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _time(value: datetime.datetime) -> str:
    return value.strftime(TIME_FORMAT)


def _standard(row: Any) -> Resource:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "project_id": row.project_id,
        "tenant_id": row.project_id,
        "created_at": _time(row.created_at),
        "updated_at": _time(row.updated_at),
        "revision_number": row.revision_number,
        "tags": [],
    }


def network(row: Any, subnet_ids: list[str]) -> Resource:
    return {
        **_standard(row),
        "admin_state_up": row.admin_state_up,
        "status": row.status,
        "shared": row.shared,
        "mtu": row.mtu,
        "subnets": subnet_ids,
        "router:external": False,
        "availability_zones": [],
        "availability_zone_hints": [],
    }


def subnet(row: Any) -> Resource:
    return {
        **_standard(row),
        "network_id": row.network_id,
        "ip_version": row.ip_version,
        "cidr": row.cidr,
        "gateway_ip": row.gateway_ip,
        "enable_dhcp": row.enable_dhcp,
        "allocation_pools": json.loads(row.allocation_pools),
        "dns_nameservers": json.loads(row.dns_nameservers),
        "host_routes": json.loads(row.host_routes),
        "ipv6_ra_mode": row.ipv6_ra_mode,
        "ipv6_address_mode": row.ipv6_address_mode,
        "subnetpool_id": None,
        "service_types": [],
    }


def port(row: Any, fixed_ips: list[dict[str, str]]) -> Resource:
    return {
        **_standard(row),
        "network_id": row.network_id,
        "mac_address": row.mac_address,
        "admin_state_up": row.admin_state_up,
        "status": row.status,
        "device_id": row.device_id,
        "device_owner": row.device_owner,
        "binding:host_id": row.host,
        "fixed_ips": fixed_ips,
        "security_groups": [],
        "allowed_address_pairs": [],
    }
