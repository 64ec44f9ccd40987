"""Paste filter factories for svc-launch pipelines.

``context`` and ``faultwrap`` are ours. ``sizelimit`` and ``healthcheck``
build oslo.middleware's own classes, handing them the service's
ConfigOpts: oslo.middleware's paste factories can only pass a dict, and
with a dict its middleware reads the global ``cfg.CONF`` (registering its
options there, and ``set_override``-ing any ini parameter onto it) or,
given ``oslo_config_project``, parses a second, private set of config
files. So their options live in the service config file:
``[oslo_middleware] max_request_body_size`` and ``[healthcheck] ...``.
``oslo_middleware.request_id:RequestId.factory`` reads no option and is
used directly.
"""

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import webob.exc
from oslo_context import context as oslo_context
from oslo_middleware import healthcheck, request_id, sizelimit

from launcher import errors
from launcher.wsgi import CONTEXT_KEY, body
from launcher.wsgi.app import conf_from_global
from launcher.wsgi.inflight import StartResponse, WSGIApp

LOG = logging.getLogger(__name__)

ADMIN_ROLE = "admin"
Filter = Callable[[WSGIApp], WSGIApp]


# -- context ---------------------------------------------------------------


def context_factory(global_conf: dict[str, Any], **local_conf: str) -> Filter:
    """``[filter:context]``: an oslo.context RequestContext per request.

    The identity headers are trusted as sent: in a real pipeline this
    filter comes after keystonemiddleware's auth_token, which sets them.
    """
    _no_parameters("context", local_conf)
    return ContextMiddleware


class ContextMiddleware:
    """Puts a RequestContext in ``environ`` and makes it the current one.

    It stays current until the response body is closed, so log lines
    written while a streamed body is produced carry the request id too.
    """

    def __init__(self, app: WSGIApp) -> None:
        self._app = app

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        previous = oslo_context.get_current()
        environ[CONTEXT_KEY] = build_context(environ)  # becomes current
        try:
            result = self._app(environ, start_response)
        except BaseException:
            _restore_context(previous)
            raise
        return body.on_close(result, environ, lambda: _restore_context(previous))


def build_context(environ: dict[str, Any]) -> oslo_context.RequestContext:
    """The request's context, from the headers auth_token would set."""
    roles = [r.strip() for r in environ.get("HTTP_X_ROLES", "").split(",")]
    roles = [r for r in roles if r]
    return oslo_context.RequestContext.from_environ(
        environ,
        request_id=environ.get(request_id.ENV_REQUEST_ID),
        global_request_id=environ.get(request_id.GLOBAL_REQ_ID),
        roles=roles,
        is_admin=ADMIN_ROLE in roles,
        overwrite=True,
    )


def _restore_context(previous: oslo_context.RequestContext | None) -> None:
    # Server threads (and eventlet connection green threads) are reused;
    # a context left behind would tag unrelated log lines.
    if previous is not None:
        previous.update_store()
        return
    # oslo.context has no public "clear"; its own ClearRequestContext
    # fixture deletes the attribute the same way.
    store = oslo_context._request_store
    if hasattr(store, "context"):
        del store.context


# -- faultwrap -------------------------------------------------------------


def faultwrap_factory(global_conf: dict[str, Any], **local_conf: str) -> Filter:
    """``[filter:faultwrap]``: exceptions become JSON faults."""
    _no_parameters("faultwrap", local_conf)
    return FaultWrapper


class FaultWrapper:
    """Turns what the app raises into ``{"error": {code, title, message}}``.

    A raised ``webob.exc.HTTPException`` keeps its status and message.
    Anything else is logged with its traceback and answered with a 500
    that says nothing about the cause. Errors raised while a body is
    being streamed come after the status line and cannot be turned into
    a fault; the server cuts that response.
    """

    def __init__(self, app: WSGIApp) -> None:
        self._app = app

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        deferred = DeferredStart(start_response)
        try:
            result = self._app(environ, deferred)
        except webob.exc.HTTPException as exc:
            if deferred.live:
                raise
            headers = [
                (k, v)
                for k, v in exc.headers.items()
                if k.lower() not in ("content-type", "content-length")
            ]
            message = exc.detail or exc.explanation or exc.title
            return _fault(start_response, exc.code, exc.title, message, headers)
        except Exception:
            LOG.exception(
                "unhandled error serving %s %s (request %s)",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                environ.get(request_id.ENV_REQUEST_ID, "-"),
            )
            if deferred.live:
                raise
            return _fault(
                start_response,
                500,
                "Internal Server Error",
                "The server has either erred or is incapable of performing "
                "the requested operation.",
            )
        deferred.go_live()
        return result


class DeferredStart:
    """Holds the app's ``start_response`` until the app has returned.

    So a fault can still choose the status without passing ``exc_info``:
    real servers would accept that, but webob's ``Request.get_response``
    (used by oslo.middleware and most webob filters above us) re-raises
    any ``exc_info`` it is given. Only an app that used the legacy
    ``write()`` callable goes live early; its errors cannot be converted.
    """

    def __init__(self, start_response: StartResponse) -> None:
        self._start = start_response
        self._pending: tuple[Any, ...] | None = None
        self._write: Callable[[bytes], Any] | None = None
        self.live = False

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], Any]:
        if self.live:
            return self._start(status, headers, exc_info)
        self._pending = (status, headers, exc_info)
        return self._legacy_write

    def go_live(self) -> None:
        self.live = True
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._write = self._start(*pending)

    def _legacy_write(self, data: bytes) -> Any:
        self.go_live()
        assert self._write is not None
        return self._write(data)


def _fault(
    start_response: StartResponse,
    code: int,
    title: str,
    message: str,
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    payload = json.dumps(
        {"error": {"code": code, "title": title, "message": message}}
    ).encode()
    headers = [
        *(headers or []),
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(payload))),
    ]
    start_response(f"{code} {title}", headers)
    return [payload]


# -- oslo.middleware on the service's ConfigOpts ------------------------------


def sizelimit_factory(global_conf: dict[str, Any], **local_conf: str) -> Filter:
    """``[filter:sizelimit]``: oslo.middleware's RequestBodySizeLimiter.

    The limit is ``[oslo_middleware] max_request_body_size`` in the
    service config.
    """
    _no_parameters("sizelimit", local_conf, "[oslo_middleware] in the service config")
    conf = conf_from_global(global_conf)

    def make(app: WSGIApp) -> WSGIApp:
        return sizelimit.RequestBodySizeLimiter(app, conf)

    return make


def healthcheck_factory(
    global_conf: dict[str, Any], path: str = "/healthcheck", **local_conf: str
) -> Filter:
    """``[filter:healthcheck]``: oslo.middleware's Healthcheck at ``path``.

    oslo.middleware ships Healthcheck as an app only (its filter factory
    raises); this filter answers ``path`` with it and passes the rest on.
    Its options are ``[healthcheck]`` in the service config.
    """
    _no_parameters("healthcheck", local_conf, "[healthcheck] in the service config")
    conf = conf_from_global(global_conf)

    def make(app: WSGIApp) -> WSGIApp:
        return HealthcheckAt(app, path, healthcheck.Healthcheck(app, conf))

    return make


class HealthcheckAt:
    """Routes one path to the health check, everything else to the app."""

    def __init__(self, app: WSGIApp, path: str, check: WSGIApp) -> None:
        self._app = app
        self._path = path
        self._check = check

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == self._path:
            # Healthcheck falls through to the app for sources outside
            # [healthcheck] allowed_source_ranges.
            return self._check(environ, start_response)
        return self._app(environ, start_response)


def _no_parameters(
    name: str, local_conf: dict[str, str], where: str = "nowhere"
) -> None:
    if local_conf:
        raise errors.PasteConfigError(
            f"filter {name} takes no parameter {', '.join(sorted(local_conf))}",
            f"set it in {where}" if where != "nowhere" else "remove it",
        )
