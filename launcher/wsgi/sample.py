"""A tiny paste app for tests and for trying a pipeline by hand.

GET /                 {"binary": ..., "pid": ...}
GET /slow?seconds=N   answers after N seconds (time.sleep: green under eventlet)
GET /stream?chunks=N&delay=S   N chunks, S seconds apart, streamed
anything else         404 JSON fault
"""

import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

import webob
from oslo_config import cfg

from launcher.wsgi.app import BINARY_KEY, conf_from_global
from launcher.wsgi.inflight import StartResponse

# Tests ask for short waits; this keeps a typo from hanging a worker.
MAX_SECONDS = 60.0


def app_factory(global_conf: dict[str, Any], **local_conf: str) -> "SampleApp":
    """``[app:sample]``; an ini ``binary`` parameter overrides the daemon's."""
    binary = local_conf.get("binary") or global_conf.get(BINARY_KEY, "sample")
    return SampleApp(binary, conf_from_global(global_conf))


class SampleApp:
    """Answers the routes above; keeps ``conf`` so tests can check it."""

    def __init__(self, binary: str, conf: cfg.ConfigOpts) -> None:
        self.binary = binary
        self.conf = conf

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        request = webob.Request(environ)
        if request.method == "GET" and request.path_info == "/":
            response = _json(200, {"binary": self.binary, "pid": os.getpid()})
        elif request.method == "GET" and request.path_info == "/slow":
            seconds = _seconds(request, "seconds")
            time.sleep(seconds)
            response = _json(200, {"slept": seconds})
        elif request.method == "GET" and request.path_info == "/stream":
            response = _stream(request)
        else:
            message = f"no route for {request.method} {request.path_info}"
            error = {"code": 404, "title": "Not Found", "message": message}
            response = _json(404, {"error": error})
        return response(environ, start_response)


def _json(status: int, payload: dict[str, Any]) -> webob.Response:
    return webob.Response(
        status=status, json_body=payload, content_type="application/json"
    )


def _stream(request: webob.Request) -> webob.Response:
    chunks = int(request.GET.get("chunks", "3"))
    delay = _seconds(request, "delay")
    response = webob.Response(content_type="text/plain", charset="utf-8")
    response.app_iter = _chunks(chunks, delay)
    return response


def _chunks(count: int, delay: float) -> Iterator[bytes]:
    for i in range(count):
        if i and delay:
            time.sleep(delay)
        yield f"chunk {i}\n".encode()


def _seconds(request: webob.Request, name: str) -> float:
    return min(max(float(request.GET.get(name, "0")), 0.0), MAX_SECONDS)
