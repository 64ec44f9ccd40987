"""glance-registry's JSON API and repository, on SQLite, through webtest."""

import datetime
import uuid

from oslo_utils import timeutils

from services.image.registry.db import api as db


def _create(app, **values):
    image = {
        "id": str(uuid.uuid4()),
        "status": "queued",
        "visibility": "shared",
        "protected": False,
        "os_hidden": False,
        "min_disk": 0,
        "min_ram": 0,
        **values,
    }
    body = {"image": image, "properties": {"os_distro": "x"}, "tags": ["a", "b"]}
    return app.post_json("/images", body, status=201).json["image"]


def test_create_and_show_round_trip(registry_app):
    image = _create(registry_app, name="one")
    shown = registry_app.get(f"/images/{image['id']}").json["image"]
    assert shown["name"] == "one"
    assert shown["properties"] == {"os_distro": "x"}
    assert shown["tags"] == ["a", "b"]
    assert shown["created_at"].endswith("Z")


def test_unknown_attribute_and_duplicate_id_are_refused(registry_app):
    registry_app.post_json("/images", {"image": {"id": "x", "bogus": 1}}, status=400)
    image = _create(registry_app)
    body = {"image": {**{k: image[k] for k in db.CORE if k in image}}}
    body["image"]["created_at"] = None
    body["image"].pop("created_at")
    body["image"].pop("updated_at")
    body["image"].pop("deleted_at")
    registry_app.post_json("/images", body, status=409)


def test_list_filters_and_keyset_pagination(registry_app):
    ids = {
        _create(registry_app, name=f"img{i}", status="active")["id"] for i in range(5)
    }
    _create(registry_app, name="other")
    page = registry_app.get("/images", {"status": "active", "limit": 2}).json["images"]
    seen = [i["id"] for i in page]
    while page:
        marker = page[-1]["id"]
        params = {"status": "active", "limit": 2, "marker": marker}
        page = registry_app.get("/images", params).json["images"]
        seen += [i["id"] for i in page]
    assert sorted(seen) == sorted(ids)
    by_name = registry_app.get("/images", {"sort_key": "name", "sort_dir": "asc"})
    names = [i["name"] for i in by_name.json["images"]]
    assert names == sorted(names)
    assert registry_app.get("/images", {"name": "other"}).json["images"][0]["name"]
    assert len(registry_app.get("/images", {"tag": ["a", "b"]}).json["images"]) == 6
    assert registry_app.get("/images", {"tag": "zzz"}).json["images"] == []


def test_update_is_a_compare_and_set_on_status(registry_app):
    image = _create(registry_app)
    url = f"/images/{image['id']}"
    body = {"values": {"status": "saving"}, "expected_status": "queued"}
    assert registry_app.patch_json(url, body).json["image"]["status"] == "saving"
    registry_app.patch_json(url, body, status=409)
    changes = {"set_properties": {"k": "v"}, "remove_properties": ["os_distro"]}
    updated = registry_app.patch_json(url, {**changes, "tags": ["z"]}).json["image"]
    assert updated["properties"] == {"k": "v"}
    assert updated["tags"] == ["z"]


def test_protected_images_cannot_be_deleted(registry_app):
    image = _create(registry_app, protected=True)
    registry_app.delete(f"/images/{image['id']}", status=403)
    url = f"/images/{image['id']}"
    registry_app.patch_json(url, {"values": {"protected": False}})
    registry_app.delete(url)
    registry_app.get(url, status=404)


def test_scope_hides_other_projects_private_images(registry_app):
    image = _create(registry_app, owner="p1", visibility="private")
    other = {"X-Project-Id": "p2", "X-Roles": "member"}
    owner = {"X-Project-Id": "p1", "X-Roles": "member"}
    registry_app.get(f"/images/{image['id']}", headers=other, status=404)
    registry_app.get(f"/images/{image['id']}", headers=owner)
    assert registry_app.get("/images", headers=other).json["images"] == []


def test_tags_add_and_remove(registry_app):
    image = _create(registry_app)
    url = f"/images/{image['id']}/tags"
    registry_app.put(f"{url}/new", status=204)
    registry_app.put(f"{url}/new", status=204)
    registry_app.delete(f"{url}/a", status=204)
    registry_app.delete(f"{url}/a", status=404)
    tags = registry_app.get(f"/images/{image['id']}").json["image"]["tags"]
    assert tags == ["b", "new"]


def test_purge_removes_old_soft_deleted_rows_only(registry, registry_app):
    old, recent = _create(registry_app), _create(registry_app)
    for image in (old, recent):
        registry_app.delete(f"/images/{image['id']}")
    repo = registry.manager.repo
    assert repo.purge(timeutils.utcnow() - datetime.timedelta(days=1)) == 0
    assert repo.purge(timeutils.utcnow() + datetime.timedelta(seconds=1)) == 2


def test_periodic_purge_uses_configured_age(registry, registry_app):
    registry_app.delete(f"/images/{_create(registry_app)['id']}")
    registry.conf.set_override("purge_age", 0, group="image_registry")
    assert registry.manager.purge_deleted(None) == 1


def test_bad_json_and_unknown_route(registry_app):
    response = registry_app.post(
        "/images", "{nope", content_type="application/json", status=400
    )
    assert response.json["error"]["code"] == 400
    registry_app.get("/nothing", status=404)
    registry_app.put("/images", status=405)
