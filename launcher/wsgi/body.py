"""Run a callback when a WSGI response body is closed.

PEP 3333 servers call ``close()`` on the response iterable after the last
byte was handed to them, even when the client went away or iteration
failed. That is the one reliable "request over" signal for a streamed
body, so both the in-flight counter and the request context hang off it.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any


class ClosingBody:
    """Iterates ``body`` and calls ``callback`` once, on ``close()``."""

    def __init__(self, body: Iterable[bytes], callback: Callable[[], None]) -> None:
        self._body = body
        self._callback: Callable[[], None] | None = callback

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            callback, self._callback = self._callback, None
            if callback is not None:
                callback()


class SizedClosingBody(ClosingBody):
    """Keeps ``len()``: servers use a one-item body to set Content-Length."""

    def __len__(self) -> int:
        return len(self._body)  # type: ignore[arg-type]


def on_close(
    body: Iterable[bytes], environ: dict[str, Any], callback: Callable[[], None]
) -> Iterable[bytes]:
    """Wrap ``body`` so that ``callback`` runs when the server closes it.

    A ``wsgi.file_wrapper`` body is returned as is, with ``callback`` run
    at once: wrapping it would hide it from the server's sendfile path.
    """
    file_wrapper = environ.get("wsgi.file_wrapper")
    if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
        callback()
        return body
    if hasattr(body, "__len__"):
        return SizedClosingBody(body, callback)
    return ClosingBody(body, callback)
