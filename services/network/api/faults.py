"""Errors as neutron answers them: ``{"NeutronError": {type, message, detail}}``.

Clients (openstacksdk among them) read ``NeutronError.message`` for the
exception text and ``type`` to tell, say, NetworkInUse from another 409.
"""

import json
import logging

import webob
import webob.exc

from launcher import errors
from services.network import exceptions as exc

LOG = logging.getLogger(__name__)


def response(status: int, type_: str, message: str, detail: str = "") -> webob.Response:
    body = {"NeutronError": {"type": type_, "message": message, "detail": detail}}
    return webob.Response(
        json.dumps(body),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


def from_exception(error: BaseException, method: str, path: str) -> webob.Response:
    """The NeutronError response for anything a controller raised."""
    if isinstance(error, exc.NeutronException):
        return response(error.status, error.type, error.msg, error.detail)
    if isinstance(error, webob.exc.HTTPException):
        return response(error.code, _type(error), error.detail or error.explanation)
    if isinstance(error, NotImplementedError):
        return response(501, "NotImplementedError", "Not implemented by the plugin.")
    if isinstance(error, errors.DatabaseUnavailable):
        LOG.error("%s %s: %s", method, path, error)
        return response(503, "ServiceUnavailable", "The database is unavailable.")
    LOG.exception("unhandled error serving %s %s", method, path)
    return response(
        500,
        "HTTPInternalServerError",
        "Request Failed: internal server error while processing your request.",
    )


def _type(error: webob.exc.HTTPException) -> str:
    return type(error).__name__
