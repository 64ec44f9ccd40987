"""The Networking API v2.0 WSGI app and its paste factory.

Routing is a handful of regular expressions: the URL space is fixed
(``/v2.0/<collection>[/<id>]``, with neutron's optional ``.json``), and a
table lookup is cheaper per request than a general router.
"""

import json
import re
from collections.abc import Callable
from typing import Any

import webob
import webob.dec
import webob.exc

from launcher.wsgi import CONTEXT_KEY
from launcher.wsgi.app import conf_from_global
from services.network import agent_notifier
from services.network.api import faults, versions
from services.network.api.attributes import RESOURCES
from services.network.api.resource import Controller
from services.network.plugins import loader
from services.network.plugins.base import CorePlugin

_ITEM = re.compile(r"^/v2\.0/([a-z]+)/([^/]+?)(?:\.json)?/?$")
_COLLECTION = re.compile(r"^/v2\.0/([a-z]+)(?:\.json)?/?$")
_EXTENSION = re.compile(r"^/v2\.0/extensions/([^/]+?)(?:\.json)?/?$")

_COLLECTION_METHODS = {"GET": "index", "POST": "create"}
_ITEM_METHODS = {"GET": "show", "PUT": "update", "DELETE": "delete"}
_STATUS = {"create": 201, "delete": 204}


class NetworkApi:
    """Dispatches to the resource controllers; every error is a NeutronError."""

    def __init__(self, plugin: CorePlugin, max_limit: int) -> None:
        self.plugin = plugin
        self.controllers = {
            name: Controller(spec, plugin, max_limit)
            for name, spec in RESOURCES.items()
        }

    @webob.dec.wsgify
    def __call__(self, req: webob.Request) -> webob.Response:
        try:
            status, result = self._dispatch(req)
        except Exception as error:
            return faults.from_exception(error, req.method, req.path)
        if result is None:
            return webob.Response(status=status, content_type=None)
        return webob.Response(
            json.dumps(result),
            status=status,
            content_type="application/json",
            charset="utf-8",
        )

    def _dispatch(self, req: webob.Request) -> tuple[int, Any]:
        path = req.path_info
        context = req.environ.get(CONTEXT_KEY)
        if path in ("", "/"):
            return 200, self._get_only(req, lambda: versions.versions(req.host_url))
        if path in ("/v2.0", "/v2.0/"):
            return 200, self._get_only(req, lambda: versions.resources(req.host_url))
        if path.rstrip("/") in ("/v2.0/extensions", "/v2.0/extensions.json"):
            return 200, self._get_only(req, self._extensions)
        match = _EXTENSION.match(path)
        if match:
            return 200, self._get_only(req, lambda: self._extension(match.group(1)))
        match = _ITEM.match(path)
        if match and match.group(1) in self.controllers:
            action = self._action(req, _ITEM_METHODS)
            controller = self.controllers[match.group(1)]
            result = getattr(controller, action)(req, context, match.group(2))
            return _STATUS.get(action, 200), result
        match = _COLLECTION.match(path)
        if match and match.group(1) in self.controllers:
            action = self._action(req, _COLLECTION_METHODS)
            result = getattr(self.controllers[match.group(1)], action)(req, context)
            return _STATUS.get(action, 200), result
        raise webob.exc.HTTPNotFound(f"The resource could not be found: {path}")

    def _action(self, req: webob.Request, methods: dict[str, str]) -> str:
        if req.method not in methods:
            raise webob.exc.HTTPMethodNotAllowed(
                f"{req.method} is not allowed on {req.path}",
                headers=[("Allow", ", ".join(methods))],
            )
        return methods[req.method]

    def _get_only(self, req: webob.Request, build: Callable[[], Any]) -> Any:
        self._action(req, {"GET": "show"})
        return build()

    def _extensions(self) -> dict[str, Any]:
        return {"extensions": versions.extensions(self.plugin.supported_extensions())}

    def _extension(self, alias: str) -> dict[str, Any]:
        for extension in versions.extensions(self.plugin.supported_extensions()):
            if extension["alias"] == alias:
                return {"extension": extension}
        raise webob.exc.HTTPNotFound(f"Extension with alias {alias} does not exist")


def app_factory(global_conf: dict[str, Any], **local_conf: str) -> NetworkApi:
    """``[app:neutronapi_v2_0]``: the API on the configured core plugin.

    The plugin is built here, before fork, but opens nothing: its database
    engine and the notifier's transport are made on first use, in the
    worker.
    """
    conf = conf_from_global(global_conf)
    notifier = agent_notifier.from_conf(conf)
    plugin = loader.load(conf, notifier)
    return NetworkApi(plugin, conf.network.pagination_max_limit)
