"""The filesystem store: one file per image under ``[image_store_filesystem] datadir``.

An upload goes to a hidden ``.<id>.<random>.part`` file beside its final
name, is fsynced, then renamed: readers never see a partial image, and
any failure (size cap, client gone, disk full) unlinks the temp file.
"""

import os
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import BinaryIO
from urllib.parse import urlsplit

from oslo_config import cfg

from services.image.store.base import DataNotFound, Store, StoreError

GROUP = "image_store_filesystem"
PART = ".part"

filesystem_opts = [
    cfg.StrOpt(
        "datadir",
        default="$state_path/images",
        help="Directory holding image data files.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, filesystem_opts)]


class FilesystemStore(Store):
    """Files in one directory; locations are ``file://`` URIs."""

    def __init__(self, conf: cfg.ConfigOpts, chunk_size: int) -> None:
        super().__init__(conf, chunk_size)
        self.datadir = os.path.abspath(conf[GROUP].datadir)

    def add(self, image_id: str, chunks: Iterable[bytes]) -> str:
        os.makedirs(self.datadir, exist_ok=True)
        final = os.path.join(self.datadir, image_id)
        temp = os.path.join(self.datadir, f".{image_id}.{uuid.uuid4().hex}{PART}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                for chunk in chunks:
                    _write_all(fd, chunk)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.rename(temp, final)
        except BaseException:
            _unlink(temp)
            raise
        _fsync_dir(self.datadir)
        return f"file://{final}"

    def open(
        self, location: str, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        path = self._path(location)
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            raise DataNotFound(f"no image data at {location}") from None
        return self._read(handle, offset, length)

    def _read(
        self, handle: BinaryIO, offset: int, length: int | None
    ) -> Iterator[bytes]:
        with handle:
            handle.seek(offset)
            left = length
            while left is None or left > 0:
                size = self.chunk_size if left is None else min(self.chunk_size, left)
                data = handle.read(size)
                if not data:
                    return
                if left is not None:
                    left -= len(data)
                yield data

    def delete(self, location: str) -> None:
        _unlink(self._path(location))

    def remove_stale(self, older_than: float) -> int:
        if not os.path.isdir(self.datadir):
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for entry in os.scandir(self.datadir):
            if entry.name.endswith(PART) and entry.stat().st_mtime < cutoff:
                _unlink(entry.path)
                removed += 1
        return removed

    def _path(self, location: str) -> str:
        """The file of ``location``; only inside datadir, whatever the URI says."""
        parts = urlsplit(location)
        path = os.path.abspath(parts.path)
        if parts.scheme != "file" or os.path.dirname(path) != self.datadir:
            raise StoreError(f"location {location} is not in this store")
        return path


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
