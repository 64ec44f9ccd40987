"""The image attributes a listing may be sorted by.

glance-api checks a client's sort_key against this before asking the
registry (a 400 without a round trip), and the registry checks it again
before it reaches SQL; one tuple keeps the two in step.
"""

SORT_KEYS = (
    "created_at",
    "updated_at",
    "name",
    "status",
    "size",
    "id",
    "visibility",
    "owner",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
)
