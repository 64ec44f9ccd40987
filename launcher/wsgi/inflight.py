"""Count the requests an application is serving right now.

A request counts from the call into the application until the server
closes its response body, so a streamed download counts until its last
chunk was handed to the server.
"""

import threading
from collections.abc import Callable, Iterable
from typing import Any

from launcher.wsgi import body

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class InFlight:
    """A WSGI wrapper that keeps the number of requests in progress."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        self._add(1)
        try:
            result = self._app(environ, start_response)
        except BaseException:
            # GreenletExit too: eventlet cuts a request by killing it.
            self._add(-1)
            raise
        return body.on_close(result, environ, lambda: self._add(-1))

    def _add(self, delta: int) -> None:
        with self._lock:
            self._count += delta
