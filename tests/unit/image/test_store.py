"""The filesystem store and the stevedore loader."""

import os
import time

import pytest
from oslo_config import cfg

from launcher import errors
from services.image.store import filesystem, loader
from services.image.store.base import DataNotFound, StoreError


@pytest.fixture
def store(tmp_path):
    conf = cfg.ConfigOpts()
    conf.register_opts(filesystem.filesystem_opts, group=filesystem.GROUP)
    conf([], default_config_files=[])
    conf.set_override("datadir", str(tmp_path), group=filesystem.GROUP)
    return filesystem.FilesystemStore(conf, 4)


def test_add_open_delete(store, tmp_path):
    location = store.add("img", [b"abc", b"defgh"])
    assert location == f"file://{tmp_path}/img"
    assert b"".join(store.open(location)) == b"abcdefgh"
    assert b"".join(store.open(location, 2, 3)) == b"cde"
    store.delete(location)
    store.delete(location)
    with pytest.raises(DataNotFound):
        store.open(location)


def test_failed_add_leaves_no_temp_file(store, tmp_path):
    def chunks():
        yield b"abc"
        raise OSError("client went away")

    with pytest.raises(OSError):
        store.add("img", chunks())
    assert os.listdir(tmp_path) == []


def test_locations_outside_the_datadir_are_refused(store):
    with pytest.raises(StoreError):
        store.open("file:///etc/passwd")


def test_remove_stale_partial_uploads(store, tmp_path):
    stale = tmp_path / ".img.x.part"
    stale.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    (tmp_path / ".img.y.part").write_bytes(b"y")
    assert store.remove_stale(3600) == 1
    assert os.listdir(tmp_path) == [".img.y.part"]


def test_unknown_store_is_a_config_error(store):
    with pytest.raises(errors.ConfigError, match="unknown image store 'nope'"):
        loader.load(store.conf, "nope", 4)
    assert isinstance(loader.load(store.conf, "file", 4), filesystem.FilesystemStore)
