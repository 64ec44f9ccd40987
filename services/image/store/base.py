"""What glance-api needs from a store driver.

The API streams: ``add`` consumes an iterable of chunks (hashing and size
capping happen in that iterable, before the store sees the bytes) and must
leave nothing behind when the iterable raises; ``open`` yields chunks and
is closed by the WSGI server when the response ends.
"""

import abc
from collections.abc import Iterable, Iterator

from oslo_config import cfg


class StoreError(Exception):
    """The store failed; the API answers 500/503 and keeps serving."""


class DataNotFound(StoreError):
    """The location names no data (deleted underneath us)."""


class Store(abc.ABC):
    """One driver instance per worker, built from the service's config."""

    def __init__(self, conf: cfg.ConfigOpts, chunk_size: int) -> None:
        self.conf = conf
        self.chunk_size = chunk_size

    @abc.abstractmethod
    def add(self, image_id: str, chunks: Iterable[bytes]) -> str:
        """Store all of ``chunks`` atomically; return the data's location URI."""

    @abc.abstractmethod
    def open(
        self, location: str, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        """Chunks of the data from ``offset``, ``length`` bytes (None: to the end)."""

    @abc.abstractmethod
    def delete(self, location: str) -> None:
        """Remove the data; data already gone is not an error."""

    def remove_stale(self, older_than: float) -> int:
        """Remove partial uploads untouched for ``older_than`` seconds."""
        return 0
