"""Watch a WSGI response body: its chunks, its errors, its close.

PEP 3333 servers call ``close()`` on the response iterable after the last
byte was handed to them, even when the client went away or iteration
failed. That is the one reliable "request over" signal for a streamed
body, so the in-flight counter, the request context and the access log
all hang off it.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any


class Observer:
    """Hooks on a body; override what you need. ``closed`` runs once.

    ``chunk`` and ``error`` are only called when ``watch_chunks`` is set:
    otherwise the server iterates the app's own iterator, at no cost.
    """

    watch_chunks = False

    def chunk(self, data: bytes) -> None:
        """A chunk is about to go to the server."""

    def error(self, exc: Exception) -> None:
        """Iterating the body raised ``exc``; it is re-raised afterwards."""

    def closed(self) -> None:
        """The server closed the body: the request is over."""


class _OnClose(Observer):
    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback

    def closed(self) -> None:
        self._callback()


class ObservedBody:
    """Iterates ``body`` for the server, telling ``observer`` what happens."""

    def __init__(self, body: Iterable[bytes], observer: Observer) -> None:
        self._body = body
        self._observer: Observer | None = observer

    def __iter__(self) -> Iterator[bytes]:
        if self._observer is None or not self._observer.watch_chunks:
            return iter(self._body)
        return self._watched()

    def _watched(self) -> Iterator[bytes]:
        observer = self._observer
        try:
            for data in self._body:
                if observer is not None:
                    observer.chunk(data)
                yield data
        except Exception as exc:
            if observer is not None:
                observer.error(exc)
            raise

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            observer, self._observer = self._observer, None
            if observer is not None:
                observer.closed()


class SizedObservedBody(ObservedBody):
    """Keeps ``len()``: servers use a one-item body to set Content-Length."""

    def __len__(self) -> int:
        return len(self._body)  # type: ignore[arg-type]


def observe(
    body: Iterable[bytes], environ: dict[str, Any], observer: Observer
) -> Iterable[bytes]:
    """Wrap ``body`` so that ``observer`` sees its chunks, errors and close.

    A ``wsgi.file_wrapper`` body is returned as is and ``observer.closed``
    runs at once: wrapping it would hide it from the server's sendfile
    path, and the server, not the app, sends it.
    """
    file_wrapper = environ.get("wsgi.file_wrapper")
    if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
        observer.closed()
        return body
    if hasattr(body, "__len__"):
        return SizedObservedBody(body, observer)
    return ObservedBody(body, observer)


def on_close(
    body: Iterable[bytes], environ: dict[str, Any], callback: Callable[[], None]
) -> Iterable[bytes]:
    """Wrap ``body`` so that ``callback`` runs when the server closes it."""
    return observe(body, environ, _OnClose(callback))
