"""One access log line per request, the same under both backends.

eventlet.wsgi writes its own line, but only after the response body was
closed, when the request context is already gone, so the line has no
request id; waitress writes none at all. So the server wraps the app with
:class:`AccessLog`: the line is written when the body is closed (the whole
response handed to the server) and the record carries the request's
context, which oslo.log's formatter turns into the request id. The format
is ``[wsgi] log_format``, with eventlet's keys.
"""

import logging
import time
import urllib.parse
from collections.abc import Iterable
from typing import Any

from launcher import errors
from launcher.wsgi import CONTEXT_KEY, body
from launcher.wsgi.inflight import StartResponse, WSGIApp

LOG = logging.getLogger(__name__)
ACCESS_LOG = logging.getLogger("launcher.wsgi.access")

_SAMPLE = {
    "client_ip": "192.0.2.1",
    "date_time": "01/Jan/2000 00:00:00",
    "request_line": "GET / HTTP/1.1",
    "status_code": "200",
    "body_length": 0,
    "wall_seconds": 0.0,
}


def check_format(log_format: str) -> None:
    """Fail at startup, not on the first request, on a bad log_format."""
    try:
        log_format % _SAMPLE
    except (KeyError, ValueError, TypeError) as exc:
        raise errors.ConfigError(
            f"invalid [wsgi] log_format {log_format!r}: {type(exc).__name__}: {exc}",
            f"use %-style keys among {', '.join(_SAMPLE)}",
        ) from None


class AccessLog:
    """Logs each request when its body is closed.

    ``log_errors`` also logs exceptions escaping the app; the eventlet
    server asks for it because eventlet's own logging is off (it would
    duplicate this line), while waitress logs them itself.
    """

    def __init__(self, app: WSGIApp, log_format: str, log_errors: bool) -> None:
        check_format(log_format)
        self._app = app
        self._format = log_format
        self._log_errors = log_errors

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        entry = _Entry(environ, self._format, self._log_errors)
        try:
            result = self._app(environ, entry.wrap(start_response))
        except BaseException as exc:  # GreenletExit: eventlet cut it
            if isinstance(exc, Exception):
                entry.status = "500"
                entry.log_error("unhandled error")
            entry.closed()
            raise
        return body.observe(result, environ, entry)


class _Entry(body.Observer):
    watch_chunks = True

    def __init__(self, environ: dict[str, Any], log_format: str, log_errors: bool):
        self._environ = environ
        self._format = log_format
        self._log_errors = log_errors
        self._started = time.monotonic()
        self._date_time = time.strftime("%d/%b/%Y %H:%M:%S")
        self.status = "-"
        self.length = 0

    def wrap(self, start_response: StartResponse) -> StartResponse:
        def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
            self.status = status.split(" ", 1)[0]
            write = start_response(status, headers, exc_info)

            def counting_write(data: bytes) -> Any:
                self.length += len(data)
                return write(data)

            return counting_write

        return capture

    def chunk(self, data: bytes) -> None:
        self.length += len(data)

    def error(self, exc: Exception) -> None:
        self.log_error("error while sending the body")

    def log_error(self, what: str) -> None:
        if self._log_errors:
            LOG.exception(
                "%s: %s", _request_line(self._environ), what, extra=self._extra()
            )

    def closed(self) -> None:
        values = {
            "client_ip": _client_ip(self._environ),
            "date_time": self._date_time,
            "request_line": _request_line(self._environ),
            "status_code": self.status,
            "body_length": self.length,
            "wall_seconds": time.monotonic() - self._started,
        }
        ACCESS_LOG.info(self._format, values, extra=self._extra())

    def _extra(self) -> dict[str, Any]:
        context = self._environ.get(CONTEXT_KEY)
        return {"context": context} if context is not None else {}


def _client_ip(environ: dict[str, Any]) -> str:
    remote = environ.get("REMOTE_ADDR", "-")
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    return f"{forwarded},{remote}" if forwarded else remote


def _request_line(environ: dict[str, Any]) -> str:
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    uri = urllib.parse.quote(path, safe="/:@!$&'()*+,;=~", encoding="latin-1")
    if environ.get("QUERY_STRING"):
        uri += "?" + environ["QUERY_STRING"]
    method = environ.get("REQUEST_METHOD", "-")
    return f"{method} {uri} {environ.get('SERVER_PROTOCOL', '-')}"
