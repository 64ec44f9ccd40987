"""One controller for networks, subnets and ports, driven by the attribute map."""

import json
from typing import Any

import webob

from services.network import exceptions as exc
from services.network.api import body, listing
from services.network.api.attributes import ResourceSpec
from services.network.plugins.base import CorePlugin, ListQuery


class Controller:
    """list/show/create/update/delete of one collection on the plugin."""

    def __init__(self, spec: ResourceSpec, plugin: CorePlugin, max_limit: int) -> None:
        self.spec = spec
        self.plugin = plugin
        self.max_limit = max_limit

    def index(self, req: webob.Request, context: Any) -> dict[str, Any]:
        query = listing.parse(self.spec, req.GET, self.max_limit)
        asked = query.limit
        if asked is not None:
            query = _with_limit(query, asked + 1)
        items = getattr(self.plugin, f"get_{self.spec.collection}")(context, query)
        more = asked is not None and len(items) > asked
        items = items[:asked] if asked is not None else items
        if query.page_reverse:
            items.reverse()
        wanted = listing.fields(req.GET)
        result: dict[str, Any] = {
            self.spec.collection: [listing.project(i, wanted) for i in items]
        }
        if asked is not None or query.marker:
            url = req.host_url + req.path
            result[f"{self.spec.collection}_links"] = listing.links(
                self.spec.collection, url, req.GET, items, more
            )
        return result

    def show(self, req: webob.Request, context: Any, id: str) -> dict[str, Any]:
        item = getattr(self.plugin, f"get_{self.spec.singular}")(context, id)
        return {self.spec.singular: listing.project(item, listing.fields(req.GET))}

    def create(self, req: webob.Request, context: Any) -> dict[str, Any]:
        items, bulk = body.unwrap(self.spec, _json(req))
        project_id = getattr(context, "project_id", None)
        items = [body.for_create(self.spec, i, project_id) for i in items]
        if bulk:
            created = self.plugin.create_bulk(context, self.spec.singular, items)
            return {self.spec.collection: created}
        create = getattr(self.plugin, f"create_{self.spec.singular}")
        return {self.spec.singular: create(context, items[0])}

    def update(self, req: webob.Request, context: Any, id: str) -> dict[str, Any]:
        items, bulk = body.unwrap(self.spec, _json(req))
        if bulk:
            raise exc.HTTPBadRequest("bulk update is not supported")
        values = body.for_update(self.spec, items[0])
        update = getattr(self.plugin, f"update_{self.spec.singular}")
        return {self.spec.singular: update(context, id, values)}

    def delete(self, req: webob.Request, context: Any, id: str) -> None:
        getattr(self.plugin, f"delete_{self.spec.singular}")(context, id)


def _json(req: webob.Request) -> Any:
    if not req.body:
        raise exc.HTTPBadRequest("Resource body required")
    try:
        return json.loads(req.body)
    except ValueError:
        raise exc.HTTPBadRequest("Malformed request body") from None


def _with_limit(query: ListQuery, limit: int) -> ListQuery:
    return ListQuery(
        query.filters, query.sorts, limit, query.marker, query.page_reverse
    )
