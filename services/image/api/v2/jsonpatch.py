"""The Image API's JSON patch: add, replace and remove of top-level attributes.

Glance accepts ``application/openstack-images-v2.1-json-patch`` (and 2.0):
a list of ``{"op", "path", "value"}`` objects whose paths name one
attribute, core or custom. The patch is applied to the image's v2
document; the caller validates the result against the schema and sends
the difference to the registry, so a failing patch changes nothing.
"""

import copy
from typing import Any

import webob.exc

from services.image.api.v2 import schemas

MEDIA_TYPES = (
    "application/openstack-images-v2.1-json-patch",
    "application/openstack-images-v2.0-json-patch",
)
OPS = ("add", "replace", "remove")


def _attribute(path: Any) -> str:
    """The attribute a JSON pointer names; 400 for anything deeper or malformed."""
    if not isinstance(path, str) or not path.startswith("/") or path.count("/") != 1:
        raise webob.exc.HTTPBadRequest(
            f"Invalid JSON pointer for this resource: {path!r}"
        )
    name = path[1:].replace("~1", "/").replace("~0", "~")
    if not name:
        raise webob.exc.HTTPBadRequest("Invalid JSON pointer for this resource: '/'")
    return name


def _operation(change: Any) -> tuple[str, str, Any]:
    if not isinstance(change, dict):
        raise webob.exc.HTTPBadRequest("Each patch operation must be a JSON object")
    op = change.get("op")
    if op not in OPS:
        raise webob.exc.HTTPBadRequest(
            f"Unable to find a supported operation: {op!r}; use one of {', '.join(OPS)}"
        )
    name = _attribute(change.get("path"))
    if op != "remove" and "value" not in change:
        raise webob.exc.HTTPBadRequest(f"Operation {op} on /{name} needs a value")
    if name in schemas.READ_ONLY:
        raise webob.exc.HTTPForbidden(f"Attribute '{name}' is read-only.")
    return op, name, change.get("value")


def apply(document: dict[str, Any], changes: list[Any]) -> dict[str, Any]:
    """``document`` with ``changes`` applied; the input is not modified."""
    patched = copy.deepcopy(document)
    for op, name, value in (_operation(change) for change in changes):
        if op == "remove":
            if name in schemas.BASE:
                raise webob.exc.HTTPForbidden(
                    f"Attribute '{name}' is a base attribute and cannot be removed."
                )
            if name not in patched:
                raise webob.exc.HTTPConflict(f"Property {name} does not exist.")
            del patched[name]
        elif op == "replace" and name not in patched and name not in schemas.BASE:
            raise webob.exc.HTTPConflict(f"Property {name} does not exist.")
        else:
            patched[name] = value
    return patched
