"""``GET /`` and ``/versions`` (version discovery), ``/v2/schemas/*``.

keystoneauth's discovery (openstacksdk) reads the version list from the
root; glanceclient reads the schemas before it builds its models.
"""

import webob

from services.image.api.v2 import schemas
from services.image.common import http

# Every v2 minor release is served by the same code here; v2.9 is current.
MINORS = range(9, -1, -1)


def version_list(request: webob.Request) -> dict[str, list[dict[str, object]]]:
    href = f"{request.host_url}/v2/"
    return {
        "versions": [
            {
                "id": f"v2.{minor}",
                "status": "CURRENT" if minor == MINORS[0] else "SUPPORTED",
                "links": [{"rel": "self", "href": href}],
            }
            for minor in MINORS
        ]
    }


def root(request: webob.Request) -> webob.Response:
    """300 Multiple Choices, like Glance: the client picks a version."""
    return http.json_response(version_list(request), status=300)


def versions(request: webob.Request) -> webob.Response:
    return http.json_response(version_list(request))


def image_schema(request: webob.Request) -> webob.Response:
    return http.json_response(schemas.image_schema())


def images_schema(request: webob.Request) -> webob.Response:
    return http.json_response(schemas.images_schema())
