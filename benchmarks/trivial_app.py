"""The floor for the image benchmark: a trivial paste app, no framework filters.

Served by glance-api's own launcher and WSGI server (its ``paste_config``
pointed at ``trivial-paste.ini``), so the ratio image/floor isolates the
image service's cost. GET answers a few bytes, or ``size`` bytes for
``/blob``; PUT reads the body in 64 KiB chunks and discards it.
"""

from collections.abc import Iterable, Iterator
from typing import Any

BLOCK = b"\0" * (64 * 1024)


def app_factory(global_conf: dict[str, Any], **local_conf: str) -> Any:
    return trivial_app


def trivial_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ["REQUEST_METHOD"] == "PUT":
        stream = environ["wsgi.input"]
        left = int(environ.get("CONTENT_LENGTH") or 0)
        while left > 0 and (data := stream.read(min(len(BLOCK), left))):
            left -= len(data)
        start_response("204 No Content", [])
        return []
    if environ["PATH_INFO"] == "/blob":
        size = int(environ.get("QUERY_STRING", "size=0").split("=")[1])
        headers = [("Content-Type", "application/octet-stream")]
        start_response("200 OK", [*headers, ("Content-Length", str(size))])
        return _blob(size)
    body = b'{"images": []}'
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _blob(size: int) -> Iterator[bytes]:
    while size > 0:
        chunk = BLOCK[: min(size, len(BLOCK))]
        size -= len(chunk)
        yield chunk
