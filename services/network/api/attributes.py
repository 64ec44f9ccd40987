"""What each resource accepts and exposes: the API's attribute map.

One table per resource says which attributes a POST or PUT may set, their
defaults and converters, and which are filterable and sortable. The
controllers validate bodies and queries against it, so the plugin gets
clean, complete dicts.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

from services.network import exceptions as exc

REQUIRED = object()  # no default: POST must give it
ABSENT = object()  # no default: the plugin decides (gateway_ip, pools...)


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
        return value.lower() in ("true", "1")
    raise exc.InvalidInput(f"'{value}' is not a valid boolean value")


def to_int(value: Any) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        raise exc.InvalidInput(f"'{value}' is not an integer") from None


def to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise exc.InvalidInput(f"'{value}' is not a valid string")
    if len(value) > 255:
        raise exc.InvalidInput(f"'{value[:20]}...' exceeds maximum length of 255")
    return value


def to_list(value: Any) -> list:
    if not isinstance(value, list):
        raise exc.InvalidInput(f"'{value}' is not a list")
    return value


def to_nullable(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def to_fixed_ip_filter(value: Any) -> dict[str, str]:
    """``ip_address=10.0.0.5`` or ``subnet_id=...`` (neutron's query form)."""
    if isinstance(value, dict):
        return value
    key, sep, item = str(value).partition("=")
    if not sep or key not in ("ip_address", "subnet_id"):
        raise exc.InvalidInput(f"invalid fixed_ips filter '{value}'")
    return {key: item}


_FIXED_IP_KEYS = frozenset({"subnet_id", "ip_address"})


def to_fixed_ips(value: Any) -> list[dict[str, str]]:
    """A port's requested ``fixed_ips``, checked for shape before the plugin.

    Each entry names a subnet, an address, or both (neutron's format); a
    malformed entry is a 400 here rather than a confusing error (or a 500)
    deep inside address allocation.
    """
    items = to_list(value)
    for item in items:
        if not isinstance(item, dict) or not item or set(item) - _FIXED_IP_KEYS:
            raise exc.InvalidInput(f"Invalid data format for fixed IP: '{item}'")
        for key, field in item.items():
            if not isinstance(field, str):
                raise exc.InvalidInput(f"'{field}' is not a valid {key}")
    return items


def _identity(value: Any) -> Any:
    return value


@dataclasses.dataclass(frozen=True)
class Attr:
    post: bool = False
    put: bool = False
    default: Any = ABSENT
    convert: Callable[[Any], Any] = _identity
    filter: bool = True
    sort: bool = True


def _standard() -> dict[str, Attr]:
    return {
        "id": Attr(),
        "name": Attr(post=True, put=True, default="", convert=to_str),
        "description": Attr(post=True, put=True, default="", convert=to_str),
        "project_id": Attr(post=True, convert=to_str),
        "tenant_id": Attr(post=True, convert=to_str),
        "created_at": Attr(filter=False),
        "updated_at": Attr(filter=False),
        "revision_number": Attr(convert=to_int),
        "tags": Attr(filter=False, sort=False),
    }


NETWORK = {
    **_standard(),
    "admin_state_up": Attr(post=True, put=True, default=True, convert=to_bool),
    "shared": Attr(post=True, put=True, default=False, convert=to_bool),
    "mtu": Attr(post=True, put=True, convert=to_int),
    "status": Attr(),
    "subnets": Attr(filter=False, sort=False),
    "router:external": Attr(filter=False, sort=False),
    "availability_zones": Attr(filter=False, sort=False),
    "availability_zone_hints": Attr(filter=False, sort=False),
}

SUBNET = {
    **_standard(),
    "network_id": Attr(post=True, default=REQUIRED, convert=to_str),
    "cidr": Attr(post=True, default=REQUIRED, convert=to_str),
    "ip_version": Attr(post=True, default=4, convert=to_int),
    "gateway_ip": Attr(post=True, put=True, convert=to_nullable(to_str)),
    "allocation_pools": Attr(
        post=True, put=True, convert=to_list, filter=False, sort=False
    ),
    "enable_dhcp": Attr(post=True, put=True, default=True, convert=to_bool),
    "dns_nameservers": Attr(
        post=True, put=True, default=[], convert=to_list, filter=False, sort=False
    ),
    "host_routes": Attr(
        post=True, put=True, default=[], convert=to_list, filter=False, sort=False
    ),
    "ipv6_ra_mode": Attr(post=True, convert=to_nullable(to_str)),
    "ipv6_address_mode": Attr(post=True, convert=to_nullable(to_str)),
    "subnetpool_id": Attr(filter=False, sort=False),
    "service_types": Attr(filter=False, sort=False),
}

PORT = {
    **_standard(),
    "network_id": Attr(post=True, default=REQUIRED, convert=to_str),
    "admin_state_up": Attr(post=True, put=True, default=True, convert=to_bool),
    "mac_address": Attr(post=True, convert=to_str),
    "fixed_ips": Attr(post=True, put=True, convert=to_fixed_ips, sort=False),
    "device_id": Attr(post=True, put=True, default="", convert=to_str),
    "device_owner": Attr(post=True, put=True, default="", convert=to_str),
    "binding:host_id": Attr(post=True, put=True, default="", convert=to_str),
    "status": Attr(),
    "security_groups": Attr(filter=False, sort=False),
    "allowed_address_pairs": Attr(filter=False, sort=False),
}


@dataclasses.dataclass(frozen=True)
class ResourceSpec:
    """A resource's names and attribute map."""

    singular: str
    collection: str
    attributes: dict[str, Attr]


RESOURCES = {
    spec.collection: spec
    for spec in (
        ResourceSpec("network", "networks", NETWORK),
        ResourceSpec("subnet", "subnets", SUBNET),
        ResourceSpec("port", "ports", PORT),
    )
}
