"""glance-api's metadata routes through webtest, over a live in-process registry."""

import uuid

import pytest

PATCH = "application/openstack-images-v2.1-json-patch"


def _create(api, **body):
    return api.post_json("/v2/images", {"name": "img", **body}, status=201).json


def test_versions_and_schemas(api):
    root = api.get("/", status=300).json
    assert root["versions"][0]["status"] == "CURRENT"
    assert api.get("/versions").json["versions"][0]["links"][0]["href"].endswith("/v2/")
    schema = api.get("/v2/schemas/image").json
    assert schema["additionalProperties"] == {"type": "string"}
    assert "images" in api.get("/v2/schemas/images").json["properties"]


def test_create_show_and_defaults(api):
    image = _create(api, disk_format="raw", container_format="bare", os_distro="x")
    assert image["status"] == "queued"
    assert image["visibility"] == "shared"
    assert image["os_distro"] == "x"
    assert image["size"] is None and image["checksum"] is None
    assert image["self"] == f"/v2/images/{image['id']}"
    assert api.get(image["self"]).json == image


def test_create_refuses_read_only_and_bad_values(api):
    assert api.post_json("/v2/images", {"status": "active"}, status=403).json
    api.post_json("/v2/images", {"disk_format": "floppy"}, status=400)
    api.post_json("/v2/images", {"custom": 5}, status=400)
    api.post_json("/v2/images", {"id": "not-a-uuid"}, status=400)
    api.post_json("/v2/images", ["a"], status=400)


def test_list_filters_sort_and_next_links(api):
    made = {_create(api, name=f"n{i}", tags=["t"])["id"] for i in range(5)}
    _create(api, name="solo")
    seen, url = [], "/v2/images?tag=t&limit=2"
    while url:
        body = api.get(url).json
        seen += [i["id"] for i in body["images"]]
        url = body.get("next")
    assert sorted(seen) == sorted(made)
    names = [
        i["name"]
        for i in api.get("/v2/images?sort_key=name&sort_dir=asc").json["images"]
    ]
    assert names == sorted(names)
    assert [i["name"] for i in api.get("/v2/images?name=solo").json["images"]] == [
        "solo"
    ]
    assert api.get("/v2/images?sort=name:desc").json["images"][0]["name"] == "solo"


@pytest.mark.parametrize(
    "query", ["limit=x", "limit=-1", "sort_dir=up", "sort_key=nope", "marker=bad"]
)
def test_list_bad_parameters(api, query):
    response = api.get(f"/v2/images?{query}", expect_errors=True)
    assert response.status_int in (400, 404)
    assert response.json["error"]["code"] == response.status_int


def test_patch_core_and_custom_properties(api):
    image = _create(api, os_distro="x")
    ops = [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/min_ram", "value": 512},
        {"op": "add", "path": "/hw_disk_bus", "value": "scsi"},
        {"op": "remove", "path": "/os_distro"},
        {"op": "replace", "path": "/tags", "value": ["x", "y"]},
    ]
    patched = api.patch_json(image["self"], ops, content_type=PATCH).json
    assert patched["name"] == "renamed"
    assert patched["min_ram"] == 512
    assert patched["hw_disk_bus"] == "scsi"
    assert "os_distro" not in patched
    assert patched["tags"] == ["x", "y"]


@pytest.mark.parametrize(
    ("ops", "status"),
    [
        ([{"op": "move", "path": "/name", "value": "x"}], 400),
        ([{"op": "replace", "path": "/status", "value": "active"}], 403),
        ([{"op": "remove", "path": "/name"}], 403),
        ([{"op": "remove", "path": "/nothing"}], 409),
        ([{"op": "replace", "path": "/min_ram", "value": "lots"}], 400),
        ([{"op": "add", "path": "/a/b", "value": "x"}], 400),
        ({"op": "add"}, 400),
    ],
)
def test_patch_errors(api, ops, status):
    image = _create(api)
    response = api.patch_json(image["self"], ops, content_type=PATCH, status=status)
    assert response.json["error"]["code"] == status
    assert api.get(image["self"]).json == image


def test_patch_needs_the_json_patch_media_type(api):
    image = _create(api)
    ops = [{"op": "replace", "path": "/name", "value": "x"}]
    api.patch_json(image["self"], ops, status=415)


def test_tags_and_delete(api):
    image = _create(api)
    api.put(f"{image['self']}/tags/blue", status=204)
    assert api.get(image["self"]).json["tags"] == ["blue"]
    api.delete(f"{image['self']}/tags/blue", status=204)
    api.delete(f"{image['self']}/tags/blue", status=404)
    api.delete(image["self"], status=204)
    api.get(image["self"], status=404)
    api.delete(image["self"], status=404)


def test_protected_image_cannot_be_deleted(api):
    image = _create(api, protected=True)
    api.delete(image["self"], status=403)


def test_bad_uuid_and_unknown_image(api):
    api.get("/v2/images/not-a-uuid", status=404)
    api.get(f"/v2/images/{uuid.uuid4()}", status=404)


def test_malformed_json_and_oversized_body(api):
    bad = api.post("/v2/images", "{", content_type="application/json", status=400)
    assert bad.json["error"]["code"] == 400
    huge = {"name": "x", "blob": "y" * 200_000}
    assert api.post_json("/v2/images", huge, status=413).json["error"]["code"] == 413


def test_request_id_reaches_the_registry(api, registry):
    caller = "req-" + str(uuid.uuid4())
    response = api.post_json(
        "/v2/images", {"name": "x"}, headers={"X-OpenStack-Request-ID": caller}
    )
    assert response.headers["x-openstack-request-id"].startswith("req-")


def test_healthcheck(api):
    assert api.get("/healthcheck").status_int == 200


def test_registry_down_is_503_and_the_api_keeps_serving(api, api_service):
    from services.image.api.registry_client import RegistryClient

    client = RegistryClient(api_service.conf.image_registry_client)
    client.base_url = "http://127.0.0.1:9"
    client.retries = 0
    with pytest.raises(Exception) as caught:
        client.get(None, str(uuid.uuid4()))
    assert caught.value.code == 503
    assert api.get("/v2/images").status_int == 200
