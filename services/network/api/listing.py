"""List query strings to a ListQuery, and pages with their links.

Filters (any attribute marked filterable, repeated keys mean "any of"),
``fields``, ``sort_key``/``sort_dir``, ``limit``/``marker``/``page_reverse``,
with neutron's names so that clients written for neutron page and sort
the same way here.
"""

import urllib.parse
from collections.abc import Sequence
from typing import Any

from webob.multidict import MultiDict

from services.network import exceptions as exc
from services.network.api.attributes import (
    ResourceSpec,
    to_bool,
    to_fixed_ip_filter,
    to_int,
)
from services.network.plugins.base import ListQuery

RESERVED = {"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"}


def parse(spec: ResourceSpec, params: MultiDict, max_limit: int) -> ListQuery:
    return ListQuery(
        filters=_filters(spec, params),
        sorts=_sorts(spec, params),
        limit=_limit(params, max_limit),
        marker=params.get("marker") or None,
        page_reverse=to_bool(params.get("page_reverse", False)),
    )


def fields(params: MultiDict) -> list[str]:
    return [f for value in params.getall("fields") for f in value.split(",") if f]


def project(item: dict[str, Any], wanted: Sequence[str]) -> dict[str, Any]:
    """Only the ``fields=`` asked for (all of them when none are)."""
    if not wanted:
        return item
    return {k: v for k, v in item.items() if k in wanted}


def _filters(spec: ResourceSpec, params: MultiDict) -> dict[str, list[Any]]:
    filters: dict[str, list[Any]] = {}
    for key, value in params.items():
        if key in RESERVED:
            continue
        attr = spec.attributes.get(key)
        if attr is None or not attr.filter:
            raise exc.HTTPBadRequest(
                f"{key} is an invalid filter for {spec.collection}"
            )
        convert = attr.convert
        if key == "fixed_ips":
            convert = to_fixed_ip_filter
        elif key in ("tenant_id",):
            key = "project_id"
        filters.setdefault(key, []).append(convert(value))
    return filters


def _sorts(spec: ResourceSpec, params: MultiDict) -> list[tuple[str, bool]]:
    keys, dirs = params.getall("sort_key"), params.getall("sort_dir")
    if dirs and len(dirs) != len(keys):
        raise exc.HTTPBadRequest("the number of sort_keys and sort_dirs must match")
    dirs = dirs or ["asc"] * len(keys)
    sorts = []
    for key, direction in zip(keys, dirs, strict=True):
        attr = spec.attributes.get(key)
        if attr is None or not attr.sort or not attr.filter:
            raise exc.HTTPBadRequest(f"{key} is an invalid attribute for sort_keys")
        if direction not in ("asc", "desc"):
            raise exc.HTTPBadRequest(f"{direction} is an invalid value for sort_dirs")
        sorts.append(("project_id" if key == "tenant_id" else key, direction == "asc"))
    return sorts


def _limit(params: MultiDict, max_limit: int) -> int | None:
    if "limit" not in params:
        return None
    limit = to_int(params["limit"])
    if limit < 0:
        raise exc.HTTPBadRequest(f"limit must be >= 0, not {limit}")
    return min(limit, max_limit) if limit else None


def links(
    collection: str, url: str, params: MultiDict, items: list[dict], more: bool
) -> list[dict[str, str]]:
    """neutron's ``<collection>_links``: next when there is more, previous
    when this page started at a marker."""
    result = []
    reverse = to_bool(params.get("page_reverse", False))
    if items and (more if not reverse else params.get("marker")):
        result.append(_link("next", url, params, items[-1]["id"], False))
    if items and (params.get("marker") if not reverse else more):
        result.append(_link("previous", url, params, items[0]["id"], True))
    return result


def _link(rel: str, url: str, params: MultiDict, marker: str, reverse: bool) -> dict:
    query = [(k, v) for k, v in params.items() if k not in ("marker", "page_reverse")]
    query.append(("marker", marker))
    if reverse:
        query.append(("page_reverse", "True"))
    return {"rel": rel, "href": f"{url}?{urllib.parse.urlencode(query)}"}
