"""Upload and download through glance-api: hashing, Range, caps, cleanup."""

import base64
import hashlib
import io
import os

import pytest

from services.image.api.v2.hashing import HashingReader, IncompleteUpload

OCTET = "application/octet-stream"


def _image(api):
    return api.post_json("/v2/images", {"name": "data"}, status=201).json


def _upload(api, image, data, status=204, **kwargs):
    return api.put(
        f"{image['self']}/file", data, content_type=OCTET, status=status, **kwargs
    )


def test_upload_then_download_with_hashes(api, datadir):
    data = os.urandom(100_000)
    image = _image(api)
    _upload(api, image, data)
    shown = api.get(image["self"]).json
    assert shown["status"] == "active"
    assert shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    download = api.get(image["file"])
    assert download.body == data
    assert download.headers["Content-MD5"] == shown["checksum"]
    assert os.listdir(datadir) == [image["id"]]
    _upload(api, image, data, status=409)


def test_range_requests(api):
    data = bytes(range(256)) * 40
    image = _image(api)
    _upload(api, image, data)
    part = api.get(image["file"], headers={"Range": "bytes=10-19"}, status=206)
    assert part.body == data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    tail = api.get(image["file"], headers={"Range": "bytes=-5"}, status=206)
    assert tail.body == data[-5:]
    bad = api.get(image["file"], headers={"Range": "bytes=99999-"}, status=416)
    assert bad.headers["Content-Range"] == f"bytes */{len(data)}"


def test_download_of_queued_image_has_no_content(api):
    api.get(_image(api)["file"], status=204)


def test_upload_needs_octet_stream(api):
    image = _image(api)
    api.put(f"{image['self']}/file", b"x", content_type="text/plain", status=415)


def test_size_cap_gives_413_and_leaves_nothing(api, datadir):
    image = _image(api)
    response = _upload(api, image, b"x" * (1024 * 1024 + 1), status=413)
    assert response.json["error"]["code"] == 413
    assert api.get(image["self"]).json["status"] == "queued"
    assert not datadir.exists() or os.listdir(datadir) == []


def test_size_cap_applies_to_chunked_uploads_too(api, datadir):
    image = _image(api)
    body = io.BytesIO(b"x" * (1024 * 1024 + 10))
    response = api.request(
        f"{image['self']}/file",
        method="PUT",
        body_file=body,
        headers={"Content-Type": OCTET, "Transfer-Encoding": "chunked"},
        expect_errors=True,
    )
    assert response.status_int == 413
    assert os.listdir(datadir) == []


def test_interrupted_upload_leaves_no_file_and_a_queued_image(api, datadir):
    image = _image(api)
    response = api.request(
        f"{image['self']}/file",
        method="PUT",
        body_file=io.BytesIO(b"x" * 1000),
        headers={"Content-Type": OCTET, "Content-Length": "5000"},
        expect_errors=True,
    )
    assert response.status_int == 400
    assert api.get(image["self"]).json["status"] == "queued"
    assert os.listdir(datadir) == []
    _upload(api, image, b"retry works")
    assert api.get(image["file"]).body == b"retry works"


def test_delete_removes_the_data(api, datadir):
    image = _image(api)
    _upload(api, image, b"payload")
    api.delete(image["self"], status=204)
    assert os.listdir(datadir) == []


def test_hashing_reader_counts_and_detects_short_bodies():
    reader = HashingReader(io.BytesIO(b"abcdef"), 4, 100, None)
    assert b"".join(reader) == b"abcdef"
    assert reader.size == 6
    assert reader.checksum == hashlib.md5(b"abcdef").hexdigest()
    short = HashingReader(io.BytesIO(b"abc"), 4, 100, 10)
    with pytest.raises(IncompleteUpload):
        b"".join(short)


def test_content_md5_is_the_hex_checksum_glanceclient_compares(api):
    image = _image(api)
    _upload(api, image, b"abc")
    header = api.get(image["file"]).headers["Content-MD5"]
    assert header == hashlib.md5(b"abc").hexdigest()
    assert header != base64.b64encode(hashlib.md5(b"abc").digest()).decode()
