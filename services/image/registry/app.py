"""glance-registry's internal JSON API over :class:`ImageRepo`.

Only glance-api calls it (it binds 127.0.0.1 by default); the caller's
identity arrives in the usual headers and becomes the request context,
which becomes a :class:`Scope`.

    GET    /images                 ?name&status&visibility&owner&os_hidden&tag
                                   &marker&limit&sort_key&sort_dir
    POST   /images                 {"image": {...}, "properties": {}, "tags": []}
    GET    /images/{id}
    PATCH  /images/{id}            {"values", "set_properties",
                                    "remove_properties", "tags", "expected_status"}
    DELETE /images/{id}
    PUT    /images/{id}/tags/{tag}
    DELETE /images/{id}/tags/{tag}
"""

from typing import Any

import webob
import webob.exc
from oslo_config import cfg

from launcher import config
from launcher.db.api import Database
from launcher.wsgi import CONTEXT_KEY
from launcher.wsgi.app import conf_from_global
from services.image.common import http
from services.image.common.routing import Router
from services.image.registry.db import api as db
from services.image.registry.opts import GROUP

_ERRORS = {
    400: webob.exc.HTTPBadRequest,
    403: webob.exc.HTTPForbidden,
    404: webob.exc.HTTPNotFound,
    409: webob.exc.HTTPConflict,
}


def app_factory(global_conf: dict[str, Any], **local_conf: str) -> Router:
    """``[app:registry]``: the database is opened lazily, in the worker."""
    conf = conf_from_global(global_conf)
    repo = db.ImageRepo(Database(config.database_connection(conf)))
    return RegistryApi(conf, repo).router()


def scope_of(request: webob.Request) -> db.Scope:
    context = request.environ.get(CONTEXT_KEY)
    if context is None:
        return db.Scope()
    return db.Scope(project_id=context.project_id, is_admin=bool(context.is_admin))


class RegistryApi:
    """The handlers; each maps one repository call to JSON."""

    def __init__(self, conf: cfg.ConfigOpts, repo: db.ImageRepo) -> None:
        self.options = conf[GROUP]
        self.repo = repo

    def router(self) -> Router:
        return Router(
            [
                ("GET", "/", self.root),
                ("GET", "/images", self.index),
                ("POST", "/images", self.create),
                ("GET", "/images/{image_id}", self.show),
                ("PATCH", "/images/{image_id}", self.update),
                ("DELETE", "/images/{image_id}", self.delete),
                ("PUT", "/images/{image_id}/tags/{tag}", self.add_tag),
                ("DELETE", "/images/{image_id}/tags/{tag}", self.remove_tag),
            ]
        )

    def root(self, request: webob.Request) -> webob.Response:
        return http.json_response({"service": "glance-registry"})

    def index(self, request: webob.Request) -> webob.Response:
        query = self._list_query(request)
        with _errors():
            images = self.repo.list_images(query, scope_of(request))
        return http.json_response({"images": images})

    def _list_query(self, request: webob.Request) -> db.ListQuery:
        params = request.GET
        filters: dict[str, Any] = {k: params[k] for k in db.FILTERS if k in params}
        if "os_hidden" in params:
            filters["os_hidden"] = params["os_hidden"].lower() == "true"
        limit = http.int_param(request, "limit", 1) or self.options.limit_default
        sort_dir = params.get("sort_dir", "desc")
        if sort_dir not in ("asc", "desc"):
            raise webob.exc.HTTPBadRequest(f"Invalid sort direction: {sort_dir}")
        return db.ListQuery(
            filters=filters,
            tags=tuple(params.getall("tag")),
            marker=params.get("marker"),
            limit=min(limit, self.options.limit_max),
            sort_key=params.get("sort_key", "created_at"),
            sort_dir=sort_dir,
        )

    def create(self, request: webob.Request) -> webob.Response:
        body = http.json_body(request)
        values = _core(body.get("image"))
        if "id" not in values:
            raise webob.exc.HTTPBadRequest("image.id is required")
        with _errors():
            image = self.repo.create(
                values,
                dict(body.get("properties") or {}),
                tuple(body.get("tags") or ()),
            )
        return http.json_response({"image": image}, status=201)

    def show(self, request: webob.Request, image_id: str) -> webob.Response:
        with _errors():
            image = self.repo.get(image_id, scope_of(request))
        return http.json_response({"image": image})

    def update(self, request: webob.Request, image_id: str) -> webob.Response:
        body = http.json_body(request)
        tags = body.get("tags")
        changes = db.Changes(
            values=_core(body.get("values") or {}),
            set_properties=dict(body.get("set_properties") or {}),
            remove_properties=tuple(body.get("remove_properties") or ()),
            tags=None if tags is None else tuple(tags),
            expected_status=body.get("expected_status"),
        )
        with _errors():
            image = self.repo.update(image_id, changes, scope_of(request))
        return http.json_response({"image": image})

    def delete(self, request: webob.Request, image_id: str) -> webob.Response:
        with _errors():
            image = self.repo.delete(image_id, scope_of(request))
        return http.json_response({"image": image})

    def add_tag(
        self, request: webob.Request, image_id: str, tag: str
    ) -> webob.Response:
        with _errors():
            self.repo.add_tag(image_id, tag, scope_of(request))
        return http.no_content()

    def remove_tag(
        self, request: webob.Request, image_id: str, tag: str
    ) -> webob.Response:
        with _errors():
            self.repo.remove_tag(image_id, tag, scope_of(request))
        return http.no_content()


def _core(values: Any) -> dict[str, Any]:
    """Core column values only; anything else is the caller's bug (400)."""
    if not isinstance(values, dict):
        raise webob.exc.HTTPBadRequest("expected a JSON object of image values")
    unknown = sorted(set(values) - set(db.CORE))
    if unknown:
        raise webob.exc.HTTPBadRequest(
            f"unknown image attributes: {', '.join(unknown)}"
        )
    return values


class _errors:
    """Repository errors become the matching webob HTTP error."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if isinstance(exc, db.RegistryError):
            raise _ERRORS[exc.code](str(exc)) from exc
