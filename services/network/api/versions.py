"""The version and resource documents, and the extension listing.

Clients discover the API from these: ``GET /`` lists v2.0, ``GET /v2.0``
lists the collections, and ``GET /v2.0/extensions`` states which neutron
extensions this server honours (the plugin's, intersected with what the
API layer implements).
"""

from typing import Any

from services.network.api.attributes import RESOURCES

UPDATED = "2025-06-01T00:00:00Z"

# alias -> (name, description): what the API layer knows how to serve.
KNOWN_EXTENSIONS = {
    "pagination": ("Pagination support", "limit/marker paging of list requests."),
    "sorting": ("Sorting support", "sort_key/sort_dir on list requests."),
    "filter-validation": (
        "Filter parameters validation",
        "Unknown filter attributes are rejected with 400.",
    ),
    "fields": ("Fields selection", "fields= selects the attributes returned."),
    "project-id": ("project_id field enabled", "project_id beside tenant_id."),
    "binding": ("Port Binding", "binding:host_id on ports."),
    "standard-attr-description": (
        "standard-attr-description",
        "description on networks, subnets and ports.",
    ),
    "standard-attr-timestamp": (
        "Resource timestamps",
        "created_at and updated_at on resources.",
    ),
    "standard-attr-revisions": (
        "Resource revision numbers",
        "revision_number, bumped on each update.",
    ),
    "agent": ("agent", "Agents report their state over RPC."),
}


def versions(base: str) -> dict[str, Any]:
    return {
        "versions": [
            {
                "id": "v2.0",
                "status": "CURRENT",
                "links": [{"href": f"{base}/v2.0/", "rel": "self"}],
            }
        ]
    }


def resources(base: str) -> dict[str, Any]:
    return {
        "resources": [
            {
                "name": spec.singular,
                "collection": name,
                "links": [{"href": f"{base}/v2.0/{name}", "rel": "self"}],
            }
            for name, spec in RESOURCES.items()
        ]
    }


def extensions(supported: frozenset[str]) -> list[dict[str, Any]]:
    return [
        _extension(alias) for alias in sorted(supported) if alias in KNOWN_EXTENSIONS
    ]


def _extension(alias: str) -> dict[str, Any]:
    name, description = KNOWN_EXTENSIONS[alias]
    return {
        "alias": alias,
        "name": name,
        "description": description,
        "updated": UPDATED,
        "links": [],
    }
