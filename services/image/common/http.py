"""JSON in and out of webob, with the 4xx the clients expect for bad input.

Faults are raised as ``webob.exc`` exceptions; the ``faultwrap`` filter of
the pipeline turns them into ``{"error": {...}}`` bodies, so handlers stay
free of response plumbing.
"""

import json
import uuid
from typing import Any

import webob
import webob.exc

JSON = "application/json"


def json_response(body: Any, status: int = 200, **headers: str) -> webob.Response:
    """A JSON response; ``headers`` are added as given."""
    response = webob.Response(
        json.dumps(body), status=status, content_type=JSON, charset="utf-8"
    )
    response.headers.update(headers)
    return response


def no_content(**headers: str) -> webob.Response:
    response = webob.Response(status=204)
    response.headers.update(headers)
    del response.content_type
    return response


def json_body(request: webob.Request, kind: type = dict) -> Any:
    """The request body parsed as JSON of ``kind``; 400 when it is not."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise webob.exc.HTTPBadRequest(
            f"Malformed JSON in request body: {exc}"
        ) from None
    if not isinstance(body, kind):
        raise webob.exc.HTTPBadRequest(
            f"Request body must be a JSON {'object' if kind is dict else 'array'}"
        )
    return body


def require_uuid(value: str, what: str = "image") -> str:
    """A canonical UUID string; 404 for anything else, as Glance answers."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise webob.exc.HTTPNotFound(f"No {what} found with ID {value}") from None


def int_param(request: webob.Request, name: str, minimum: int = 0) -> int | None:
    """An integer query parameter, or None; 400 when it is not one."""
    raw = request.GET.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise webob.exc.HTTPBadRequest(f"{name} param must be an integer") from None
    if value < minimum:
        raise webob.exc.HTTPBadRequest(f"{name} param must be >= {minimum}")
    return value
