"""Read a request body in chunks, hashing and counting as it goes.

The store consumes this iterator, so the upload holds one chunk in memory
whatever the image size. Exceeding the size cap or ending short of the
announced Content-Length raises, and the store then discards its file.
"""

import hashlib
from collections.abc import Iterator
from typing import BinaryIO

HASH_ALGO = "sha512"


class SizeCapExceeded(Exception):
    """More bytes than ``[image] image_size_cap``."""


class IncompleteUpload(Exception):
    """The client sent fewer bytes than it announced (it went away)."""


class HashingReader:
    """Iterates ``stream`` in ``chunk_size`` reads; size, md5 and sha512 after."""

    def __init__(
        self, stream: BinaryIO, chunk_size: int, size_cap: int, expected: int | None
    ) -> None:
        self._stream = stream
        self._chunk_size = chunk_size
        self._cap = size_cap
        self._expected = expected
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha = hashlib.new(HASH_ALGO)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            want = self._chunk_size
            if self._expected is not None:
                want = min(want, self._expected - self.size)
                if want <= 0:
                    return
            data = self._stream.read(want)
            if not data:
                break
            self._count(data)
            yield data
        if self._expected is not None and self.size != self._expected:
            raise IncompleteUpload(f"got {self.size} of {self._expected} bytes")

    def _count(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self._cap:
            raise SizeCapExceeded(f"image exceeds the size cap of {self._cap} bytes")
        self._md5.update(data)
        self._sha.update(data)

    @property
    def checksum(self) -> str:
        return self._md5.hexdigest()

    @property
    def os_hash_value(self) -> str:
        return self._sha.hexdigest()
