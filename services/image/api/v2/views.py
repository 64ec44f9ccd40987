"""Registry records as Image API v2 documents, and the validation of them."""

from typing import Any

import jsonschema
import webob.exc

from services.image.api.v2 import schemas

# Registry columns shown as they are; location and deletion stay internal.
SHOWN = (
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "size",
    "virtual_size",
    "container_format",
    "disk_format",
    "created_at",
    "updated_at",
    "min_ram",
    "min_disk",
    "tags",
)

_VALIDATOR = jsonschema.Draft4Validator(schemas.IMAGE_SCHEMA)


def image(record: dict[str, Any]) -> dict[str, Any]:
    """The v2 document of a registry record: core, then custom properties."""
    document = dict(record.get("properties") or {})
    document.update({key: record.get(key) for key in SHOWN})
    image_id = record["id"]
    document["self"] = f"/v2/images/{image_id}"
    document["file"] = f"/v2/images/{image_id}/file"
    document["schema"] = "/v2/schemas/image"
    return document


def validate(document: dict[str, Any]) -> None:
    """400 naming the first schema violation of ``document``."""
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "image"
        raise webob.exc.HTTPBadRequest(
            f"Provided object does not match schema: {where}: {error.message}"
        )
