"""A small explicit route table: (method, path pattern) -> handler.

Patterns use ``{name}`` placeholders matching one path segment. A path that
matches with another method answers 405 with ``Allow``; nothing matching
answers 404. Both as JSON faults, through the pipeline's faultwrap.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

import webob
import webob.exc

from launcher.wsgi.inflight import StartResponse

Handler = Callable[..., webob.Response]


def _compile(pattern: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile(f"^{regex}/?$")


class Router:
    """Dispatches a webob request to the handler of its route."""

    def __init__(self, routes: list[tuple[str, str, Handler]]) -> None:
        self._routes = [
            (method, _compile(path), handler) for method, path, handler in routes
        ]

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """Errors propagate as ``webob.exc`` exceptions, for faultwrap to format."""
        response = self.dispatch(webob.Request(environ))
        return response(environ, start_response)

    def dispatch(self, request: webob.Request) -> webob.Response:
        allowed = []
        for method, regex, handler in self._routes:
            match = regex.match(request.path_info)
            if match is None:
                continue
            if method == request.method:
                return handler(request, **match.groupdict())
            allowed.append(method)
        if allowed:
            raise webob.exc.HTTPMethodNotAllowed(
                f"{request.method} is not allowed on {request.path_info}",
                headers=[("Allow", ", ".join(sorted(set(allowed))))],
            )
        raise webob.exc.HTTPNotFound(f"no resource at {request.path_info}")
