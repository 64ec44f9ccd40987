"""``[filter:sizelimit]``: JSON bodies capped, image data left to ``image_size_cap``.

The cap is oslo.middleware's ``[oslo_middleware] max_request_body_size``
(112 KiB by default), read from the service's ConfigOpts. Unlike
oslo.middleware's RequestBodySizeLimiter, which answers 413 itself in
HTML, this filter *raises* ``HTTPRequestEntityTooLarge`` (for a too large
Content-Length at once, for a chunked body while it is read), so the
``faultwrap`` filter in front of it answers with a JSON fault as the
clients expect. ``PUT /v2/images/{id}/file`` is let through: the upload
path caps image data itself, while streaming.
"""

from collections.abc import Callable, Iterable
from typing import Any

import webob.exc
from oslo_middleware import sizelimit

from launcher.wsgi.app import conf_from_global
from launcher.wsgi.inflight import StartResponse, WSGIApp


def sizelimit_factory(
    global_conf: dict[str, Any], **local_conf: str
) -> Callable[[WSGIApp], WSGIApp]:
    conf = conf_from_global(global_conf)
    conf.register_opts(sizelimit.OPTS, group="oslo_middleware")
    limit = conf.oslo_middleware.max_request_body_size
    return lambda app: BodyLimit(app, limit)


def is_data_upload(environ: dict[str, Any]) -> bool:
    path = environ.get("PATH_INFO", "").rstrip("/")
    return environ.get("REQUEST_METHOD") == "PUT" and path.endswith("/file")


class BodyLimit:
    """413 for bodies over ``limit`` bytes, except image data uploads."""

    def __init__(self, app: WSGIApp, limit: int) -> None:
        self._app = app
        self._limit = limit

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        if not is_data_upload(environ):
            self._check(environ)
        return self._app(environ, start_response)

    def _check(self, environ: dict[str, Any]) -> None:
        length = environ.get("CONTENT_LENGTH")
        if length and length.isdigit() and int(length) > self._limit:
            raise webob.exc.HTTPRequestEntityTooLarge(
                f"Request body is larger than {self._limit} bytes"
            )
        if "wsgi.input" in environ:
            environ["wsgi.input"] = sizelimit.LimitingReader(
                environ["wsgi.input"], self._limit
            )
