"""``/v2/images/{id}/file``: streaming upload and download of image data.

Upload moves the image queued -> saving (a compare-and-set in the registry,
so two uploads cannot both win), streams the body into the store while
hashing, then saving -> active with size, checksum and os_hash. Any
failure on the way puts the image back to queued and leaves no data; an
image deleted while its data streamed loses that data too (410).
"""

import contextlib
from typing import Any

import webob
import webob.exc
from oslo_config import cfg
from oslo_log import log as logging

from services.image.api.registry_client import RegistryClient
from services.image.api.v2.hashing import (
    HASH_ALGO,
    HashingReader,
    IncompleteUpload,
    SizeCapExceeded,
)
from services.image.api.v2.images import context_of
from services.image.common import http
from services.image.store.base import DataNotFound, Store

LOG = logging.getLogger(__name__)
OCTET_STREAM = "application/octet-stream"


class ImageDataController:
    """PUT and GET of an image's bytes."""

    def __init__(
        self, options: cfg.ConfigOpts.GroupAttr, registry: RegistryClient, store: Store
    ) -> None:
        self.options = options
        self.registry = registry
        self.store = store

    def upload(self, request: webob.Request, image_id: str) -> webob.Response:
        http.require_uuid(image_id)
        if request.content_type != OCTET_STREAM:
            raise webob.exc.HTTPUnsupportedMediaType(
                f"Unsupported Content-Type {request.content_type!r}; use {OCTET_STREAM}"
            )
        context = context_of(request)
        image = self.registry.get(context, image_id)
        if image["status"] != "queued":
            raise webob.exc.HTTPConflict(
                f"Image status is {image['status']}, not queued"
            )
        length = request.content_length
        if length is not None and length > self.options.image_size_cap:
            raise _too_large(self.options.image_size_cap)
        self.registry.update(
            context, image_id, values={"status": "saving"}, expected_status="queued"
        )
        reader = HashingReader(
            request.body_file_raw,
            self.options.chunk_size,
            self.options.image_size_cap,
            length,
        )
        location = self._store(context, image_id, reader)
        self._activate(context, image_id, reader, location)
        return http.no_content()

    def _store(self, context: Any, image_id: str, reader: HashingReader) -> str:
        try:
            return self.store.add(image_id, reader)
        except SizeCapExceeded:
            self._requeue(context, image_id)
            raise _too_large(self.options.image_size_cap) from None
        except IncompleteUpload as exc:
            self._requeue(context, image_id)
            raise webob.exc.HTTPBadRequest(f"Incomplete upload: {exc}") from None
        except BaseException:
            self._requeue(context, image_id)
            raise

    def _activate(
        self, context: Any, image_id: str, reader: HashingReader, location: str
    ) -> None:
        values = {
            "status": "active",
            "size": reader.size,
            "checksum": reader.checksum,
            "os_hash_algo": HASH_ALGO,
            "os_hash_value": reader.os_hash_value,
            "location": location,
        }
        try:
            self.registry.update(
                context, image_id, values=values, expected_status="saving"
            )
        except (webob.exc.HTTPNotFound, webob.exc.HTTPConflict):
            self.store.delete(location)
            raise webob.exc.HTTPGone(
                f"Image {image_id} was deleted during the upload"
            ) from None
        except BaseException:
            self.store.delete(location)
            self._requeue(context, image_id)
            raise

    def _requeue(self, context: Any, image_id: str) -> None:
        """Back to queued, so the upload can be retried; best effort."""
        with contextlib.suppress(webob.exc.HTTPException):
            self.registry.update(
                context, image_id, values={"status": "queued"}, expected_status="saving"
            )

    def download(self, request: webob.Request, image_id: str) -> webob.Response:
        http.require_uuid(image_id)
        image = self.registry.get(context_of(request), image_id)
        if image["status"] != "active" or not image.get("location"):
            return http.no_content()
        size = image["size"]
        span = _span(request, size)
        start, stop = span or (0, size)
        try:
            body = self.store.open(image["location"], start, stop - start)
        except DataNotFound:
            raise webob.exc.HTTPNotFound(f"Image {image_id} has no data") from None
        response = webob.Response(
            app_iter=body, content_type=OCTET_STREAM, content_length=stop - start
        )
        if span is None:
            response.headers["Content-MD5"] = image["checksum"]
        else:
            response.status = 206
            response.content_range = (start, stop, size)
        return response


def _span(request: webob.Request, size: int) -> tuple[int, int] | None:
    """The (start, stop) a Range header asks for, or None; 416 if unsatisfiable."""
    if "Range" not in request.headers:
        return None
    wanted = request.range
    span = wanted.range_for_length(size) if wanted is not None else None
    if span is None:
        raise webob.exc.HTTPRequestRangeNotSatisfiable(
            f"Range {request.headers['Range']!r} not satisfiable for {size} bytes",
            headers=[("Content-Range", f"bytes */{size}")],
        )
    return span


def _too_large(cap: int) -> webob.exc.HTTPException:
    return webob.exc.HTTPRequestEntityTooLarge(
        f"Image exceeds the storage quota of {cap} bytes"
    )
