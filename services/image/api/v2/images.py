"""``/v2/images`` and ``/v2/images/{id}``: image metadata through the registry."""

from typing import Any
from urllib.parse import urlencode

import webob
import webob.exc
from oslo_config import cfg

from launcher.wsgi import CONTEXT_KEY
from services.image.api.registry_client import RegistryClient
from services.image.api.v2 import jsonpatch, schemas, views
from services.image.common import http
from services.image.common.sorting import SORT_KEYS
from services.image.store.base import Store

FILTERS = (
    "name",
    "status",
    "visibility",
    "owner",
    "os_hidden",
    "disk_format",
    "container_format",
)
DEFAULTS = {
    "visibility": "shared",
    "protected": False,
    "os_hidden": False,
    "min_disk": 0,
    "min_ram": 0,
}
# Core attributes the registry stores in columns (the rest are properties).
COLUMNS = (
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "owner",
    "min_disk",
    "min_ram",
    "disk_format",
    "container_format",
)


def context_of(request: webob.Request) -> Any:
    return request.environ.get(CONTEXT_KEY)


class ImagesController:
    """Create, list, show, patch, delete and tag images."""

    def __init__(
        self, options: cfg.ConfigOpts.GroupAttr, registry: RegistryClient, store: Store
    ) -> None:
        self.options = options
        self.registry = registry
        self.store = store

    def create(self, request: webob.Request) -> webob.Response:
        body = http.json_body(request)
        for key in sorted(set(body) & schemas.READ_ONLY):
            raise webob.exc.HTTPForbidden(f"Attribute '{key}' is read-only.")
        document = {**DEFAULTS, "id": body.get("id") or _new_id(), "tags": [], **body}
        views.validate(document)
        context = context_of(request)
        values = {k: document.get(k) for k in COLUMNS}
        values.update(id=document["id"], status="queued")
        if values["owner"] is None and context is not None:
            values["owner"] = context.project_id
        record = self.registry.create(
            context,
            {
                "image": values,
                "properties": _custom(document),
                "tags": document["tags"],
            },
        )
        location = f"{request.host_url}/v2/images/{record['id']}"
        return http.json_response(views.image(record), status=201, Location=location)

    def index(self, request: webob.Request) -> webob.Response:
        params = self._list_params(request)
        images = self.registry.list_images(context_of(request), params)
        body: dict[str, Any] = {
            "images": [views.image(record) for record in images],
            "first": "/v2/images",
            "schema": "/v2/schemas/images",
        }
        limit = int(dict(params)["limit"])
        if len(images) == limit:
            body["next"] = _next_link(request, images[-1]["id"], limit)
        return http.json_response(body)

    def _list_params(self, request: webob.Request) -> list[tuple[str, str]]:
        get = request.GET
        params = [(k, get[k]) for k in FILTERS if k in get]
        if dict(params).get("visibility") == "all":
            params.remove(("visibility", "all"))
        params += [("tag", tag) for tag in get.getall("tag")]
        limit = http.int_param(request, "limit", 0)
        limit = self.options.limit_default if limit is None else limit
        params.append(("limit", str(max(1, min(limit, self.options.limit_max)))))
        if "marker" in get:
            params.append(("marker", http.require_uuid(get["marker"], "marker image")))
        params += _sort(get)
        return params

    def show(self, request: webob.Request, image_id: str) -> webob.Response:
        http.require_uuid(image_id)
        record = self.registry.get(context_of(request), image_id)
        return http.json_response(views.image(record))

    def update(self, request: webob.Request, image_id: str) -> webob.Response:
        http.require_uuid(image_id)
        if request.content_type not in jsonpatch.MEDIA_TYPES:
            raise webob.exc.HTTPUnsupportedMediaType(
                f"Unsupported Content-Type {request.content_type!r}; "
                f"use {jsonpatch.MEDIA_TYPES[0]}",
                headers=[("Accept-Patch", ", ".join(jsonpatch.MEDIA_TYPES))],
            )
        changes = http.json_body(request, list)
        context = context_of(request)
        before = views.image(self.registry.get(context, image_id))
        after = jsonpatch.apply(before, changes)
        views.validate(after)
        record = self.registry.update(context, image_id, **_diff(before, after))
        return http.json_response(views.image(record))

    def delete(self, request: webob.Request, image_id: str) -> webob.Response:
        http.require_uuid(image_id)
        record = self.registry.delete(context_of(request), image_id)
        if record.get("location"):
            self.store.delete(record["location"])
        return http.no_content()

    def add_tag(
        self, request: webob.Request, image_id: str, tag: str
    ) -> webob.Response:
        http.require_uuid(image_id)
        if len(tag) > 255:
            raise webob.exc.HTTPBadRequest("Tags are limited to 255 characters")
        self.registry.add_tag(context_of(request), image_id, tag)
        return http.no_content()

    def remove_tag(
        self, request: webob.Request, image_id: str, tag: str
    ) -> webob.Response:
        http.require_uuid(image_id)
        self.registry.remove_tag(context_of(request), image_id, tag)
        return http.no_content()


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())


def _custom(document: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in document.items() if k not in schemas.BASE}


def _sort(get: Any) -> list[tuple[str, str]]:
    """``sort_key``/``sort_dir``, or the newer ``sort=key:dir``; first key only."""
    key, direction = get.get("sort_key", "created_at"), get.get("sort_dir", "desc")
    if "sort" in get:
        key, _, direction = get["sort"].split(",")[0].partition(":")
        direction = direction or "desc"
    if key not in SORT_KEYS:
        raise webob.exc.HTTPBadRequest(f"Invalid sort key: {key}")
    if direction not in ("asc", "desc"):
        raise webob.exc.HTTPBadRequest(f"Invalid sort direction: {direction}")
    return [("sort_key", key), ("sort_dir", direction)]


def _next_link(request: webob.Request, marker: str, limit: int) -> str:
    kept = [(k, v) for k, v in request.GET.items() if k not in ("marker", "limit")]
    return "/v2/images?" + urlencode([*kept, ("marker", marker), ("limit", str(limit))])


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The registry update that turns ``before`` into ``after``."""
    custom_before, custom_after = _custom(before), _custom(after)
    changes: dict[str, Any] = {
        "values": {k: after.get(k) for k in COLUMNS if after.get(k) != before.get(k)},
        "set_properties": {
            k: v for k, v in custom_after.items() if custom_before.get(k) != v
        },
        "remove_properties": sorted(set(custom_before) - set(custom_after)),
    }
    if after.get("tags") != before.get("tags"):
        changes["tags"] = list(dict.fromkeys(after.get("tags") or []))
    return changes
