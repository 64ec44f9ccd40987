"""The image and images JSON schemas that glanceclient and openstacksdk read.

glanceclient builds its warlock model from ``/v2/schemas/image`` and
validates every image it receives against it, so every attribute glance-api
returns must be described here, with ``null`` allowed wherever the API may
send it. The same schema validates create requests and patched images.
"""

import copy
from typing import Any

DISK_FORMATS = [
    "ami",
    "ari",
    "aki",
    "vhd",
    "vhdx",
    "vmdk",
    "raw",
    "qcow2",
    "vdi",
    "iso",
    "ploop",
]
CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
STATUSES = [
    "queued",
    "saving",
    "active",
    "killed",
    "deleted",
    "pending_delete",
    "deactivated",
    "uploading",
    "importing",
]
VISIBILITIES = ["community", "public", "private", "shared"]
_HEX = "[0-9a-fA-F]"
UUID_PATTERN = f"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$"


def _read_only(kind: Any, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "readOnly": True, "description": description, **extra}


_PROPERTIES: dict[str, Any] = {
    "id": {
        "type": "string",
        "pattern": UUID_PATTERN,
        "description": "An identifier for the image",
    },
    "name": {
        "type": ["null", "string"],
        "maxLength": 255,
        "description": "Descriptive name for the image",
    },
    "status": _read_only("string", "Status of the image", enum=STATUSES),
    "visibility": {
        "type": "string",
        "enum": VISIBILITIES,
        "description": "Scope of image accessibility",
    },
    "protected": {
        "type": "boolean",
        "description": "If true, image will not be deletable.",
    },
    "os_hidden": {
        "type": "boolean",
        "description": "If true, image will not appear in default image list response.",
    },
    "checksum": _read_only(
        ["null", "string"], "md5 hash of image contents.", maxLength=32
    ),
    "os_hash_algo": _read_only(
        ["null", "string"], "Algorithm to calculate the os_hash_value", maxLength=64
    ),
    "os_hash_value": _read_only(
        ["null", "string"], "Hexdigest of the image contents", maxLength=128
    ),
    "owner": {
        "type": ["null", "string"],
        "maxLength": 255,
        "description": "Owner of the image",
    },
    "size": _read_only(["null", "integer"], "Size of image file in bytes"),
    "virtual_size": _read_only(["null", "integer"], "Virtual size of image in bytes"),
    "container_format": {
        "type": ["null", "string"],
        "enum": [None, *CONTAINER_FORMATS],
        "description": "Format of the container",
    },
    "disk_format": {
        "type": ["null", "string"],
        "enum": [None, *DISK_FORMATS],
        "description": "Format of the disk",
    },
    "created_at": _read_only("string", "Date and time of image registration"),
    "updated_at": _read_only("string", "Date and time of the last image modification"),
    "tags": {
        "type": "array",
        "items": {"type": "string", "maxLength": 255},
        "description": "List of strings related to the image",
    },
    "direct_url": _read_only(
        "string", "URL to access the image file kept in external store"
    ),
    "min_ram": {
        "type": "integer",
        "minimum": 0,
        "description": "Amount of ram (in MB) required to boot image.",
    },
    "min_disk": {
        "type": "integer",
        "minimum": 0,
        "description": "Amount of disk space (in GB) required to boot image.",
    },
    "self": _read_only("string", "An image self url"),
    "file": _read_only("string", "An image file url"),
    "schema": _read_only("string", "An image schema url"),
    "locations": {
        "type": "array",
        "items": {"type": "object"},
        "description": "A set of URLs to access the image file kept in external store",
    },
    "stores": _read_only("string", "Store in which image data resides."),
}

IMAGE_SCHEMA: dict[str, Any] = {
    "name": "image",
    "properties": _PROPERTIES,
    "additionalProperties": {"type": "string"},
    "links": [
        {"rel": "self", "href": "{self}"},
        {"rel": "enclosure", "href": "{file}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}

READ_ONLY = frozenset(k for k, v in _PROPERTIES.items() if v.get("readOnly")) | {
    "locations"
}
# Core attributes a create request or a patch may set.
WRITABLE = frozenset(_PROPERTIES) - READ_ONLY
BASE = frozenset(_PROPERTIES)


def image_schema() -> dict[str, Any]:
    return copy.deepcopy(IMAGE_SCHEMA)


def images_schema() -> dict[str, Any]:
    return {
        "name": "images",
        "properties": {
            "images": {"type": "array", "items": image_schema()},
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"},
        },
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }
