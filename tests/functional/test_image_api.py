"""glance-registry and glance-api as real processes, driven by the real clients.

Each daemon runs under its own ``svc-launch``: the registry on SQLite or
PostgreSQL, the API with two workers sharing its socket, talking to the
registry over HTTP. openstacksdk and python-glanceclient then do what a
user does: create, upload 50 MiB, list and paginate, patch, download and
compare, delete. Bad input must get the right 4xx and leave the servers
serving.
"""

import hashlib
import json
import os
import uuid

import openstack
import pytest
import requests
from glanceclient import Client as GlanceClient

from tests.functional import harness

# openstacksdk 4.x warns about its own deprecations from inside its calls
# (InfluxDB support on every Connection; find_image's ignore_missing from
# create_image), whatever the caller passes.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore::openstack.warnings.OpenStackDeprecationWarning"
    ),
    pytest.mark.filterwarnings("ignore::openstack.warnings._RemovedInSDKWarning"),
]

MIB = 1024 * 1024
PATCH = "application/openstack-images-v2.1-json-patch"


@pytest.fixture
def image_service(request, tmp_path, pg_url_factory):
    """(api_url, stop) for a registry on ``request.param`` and a 2-worker API."""
    started: list[harness.Daemon] = []
    database = pg_url_factory() if request.param == "postgresql" else None
    try:
        registry = _daemon(
            started, tmp_path / "registry", "glance-registry", database, {}
        )
        registry_url = registry.api_url("glance-registry")
        api = _daemon(
            started,
            tmp_path / "api",
            "glance-api",
            None,
            {
                "glance_api": {"bind_host": "127.0.0.1", "workers": 2},
                "image_registry_client": {"registry_url": registry_url},
                "image": {"image_size_cap": 64 * MIB},
            },
        )
        yield api.api_url("glance-api")
    finally:
        for daemon in reversed(started):
            daemon.stop()


def _daemon(started, workdir, binary, database, extra):
    group = binary.replace("-", "_")
    extra = {group: {"bind_port": 0}, **extra}
    extra[group].setdefault("bind_port", 0)
    daemon = harness.Daemon(workdir, [binary], database_url=database, extra=extra)
    started.append(daemon)
    if database:
        synced = harness.run_cli(
            ["db", "sync", "--config-file", str(daemon.config_path)]
        )
        assert synced.returncode == 0, synced.stderr
    return daemon.start().wait_ready()


@pytest.fixture
def pg_url_factory():
    contexts = []

    def make():
        context = harness.postgres_database()
        contexts.append(context)
        return context.__enter__()

    yield make
    for context in contexts:
        context.__exit__(None, None, None)


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "image.bin"
    block = os.urandom(MIB)
    md5, sha = hashlib.md5(), hashlib.sha512()
    with open(path, "wb") as handle:
        for i in range(50):
            chunk = bytes([i]) + block[1:]
            handle.write(chunk)
            md5.update(chunk)
            sha.update(chunk)
    return path, md5.hexdigest(), sha.hexdigest()


def _digest(chunks):
    md5 = hashlib.md5()
    size = 0
    for chunk in chunks:
        md5.update(chunk)
        size += len(chunk)
    return size, md5.hexdigest()


@pytest.mark.parametrize("image_service", ["sqlite", "postgresql"], indirect=True)
def test_clients_create_upload_list_patch_download_delete(image_service, big_file):
    path, md5, sha512 = big_file
    glance = GlanceClient(endpoint=f"{image_service}/v2", token="unused")
    sdk = openstack.connection.Connection(
        auth_type="none", image_endpoint_override=image_service
    )

    # openstacksdk: create with data (PUT .../file), 50 MiB.
    with open(path, "rb") as data:
        made = sdk.image.create_image(
            name="sdk-big", data=data, disk_format="raw", container_format="bare"
        )
    shown = sdk.image.get_image(made.id)
    assert (shown.status, shown.size, shown.checksum) == ("active", 50 * MIB, md5)
    assert (shown.hash_algo, shown.hash_value) == ("sha512", sha512)

    # python-glanceclient: create and upload (chunked), then patch.
    image = glance.images.create(
        name="gc-big", disk_format="qcow2", container_format="bare", os_distro="x"
    )
    with open(path, "rb") as data:
        glance.images.upload(image["id"], data)
    glance.images.update(
        image["id"], name="gc-renamed", hw_disk_bus="scsi", remove_props=["os_distro"]
    )
    glance.image_tags.update(image["id"], "golden")
    patched = glance.images.get(image["id"])
    assert patched["name"] == "gc-renamed"
    assert patched["hw_disk_bus"] == "scsi" and "os_distro" not in patched
    assert patched["tags"] == ["golden"] and patched["checksum"] == md5

    # List and paginate with both clients.
    for i in range(4):
        glance.images.create(name=f"small-{i}", tags=["small"])
    assert len(list(glance.images.list(page_size=2))) == 6
    assert len(list(sdk.image.images(limit=2))) == 6
    small = list(glance.images.list(filters={"tag": ["small"]}, page_size=3))
    assert len(small) == 4
    assert [i.name for i in sdk.image.images(name="sdk-big")] == ["sdk-big"]
    ordered = [i["name"] for i in glance.images.list(sort_key="name", sort_dir="asc")]
    assert ordered == sorted(ordered)

    # Download and compare (glanceclient verifies Content-MD5 as it reads).
    assert _digest(glance.images.data(image["id"])) == (50 * MIB, md5)
    response = sdk.image.download_image(made.id, stream=True)
    assert _digest(response.iter_content(MIB)) == (50 * MIB, md5)

    # Delete with both; the data goes too.
    glance.images.delete(image["id"])
    sdk.image.delete_image(made.id)
    names = {i["name"] for i in glance.images.list()}
    assert names == {f"small-{i}" for i in range(4)}


@pytest.mark.parametrize("image_service", ["sqlite"], indirect=True)
def test_bad_input_gets_the_right_4xx_and_the_server_keeps_serving(image_service):
    url = f"{image_service}/v2/images"
    session = requests.Session()
    made = session.post(url, json={"name": "target"})
    assert made.status_code == 201
    image = f"{url}/{made.json()['id']}"
    json_headers = {"Content-Type": "application/json"}
    cases = [
        (session.post(url, data="{not json", headers=json_headers), 400),
        (session.get(f"{url}/not-a-uuid"), 404),
        (session.get(f"{url}/{uuid.uuid4()}"), 404),
        (
            session.patch(
                image,
                data=json.dumps([{"op": "frobnicate", "path": "/name"}]),
                headers={"Content-Type": PATCH},
            ),
            400,
        ),
        (
            session.patch(
                image, json=[{"op": "replace", "path": "/name", "value": "x"}]
            ),
            415,
        ),
        (
            session.put(
                f"{image}/file", data=b"x", headers={"Content-Type": "text/plain"}
            ),
            415,
        ),
        (session.post(url, json={"name": "x", "pad": "y" * 300_000}), 413),
        (session.post(url, json={"status": "active"}), 403),
    ]
    for response, expected in cases:
        assert response.status_code == expected, response.text
        assert response.json()["error"]["code"] == expected
    assert session.get(url).status_code == 200
    assert session.get(image).json()["name"] == "target"
