"""Both image daemons in-process: a live glance-registry and glance-api's app.

glance-api's paste app talks to the registry over real HTTP, so the
registry client, the pipelines and the database are all exercised; the
API itself is driven through webtest.
"""

import pytest
import webtest

from launcher.testing.fixtures import ServiceFixture


@pytest.fixture
def registry():
    fixture = ServiceFixture("glance-registry")
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


@pytest.fixture
def registry_app(registry):
    return webtest.TestApp(registry.app)


def _api(registry, tmp_path, **overrides):
    settings = {
        "image_registry_client.registry_url": registry.base_url,
        "image_store_filesystem.datadir": str(tmp_path / "images"),
        "image.chunk_size": 4096,
        **overrides,
    }
    fixture = ServiceFixture("glance-api", overrides=settings)
    fixture.setUp()
    return fixture


@pytest.fixture
def api_service(registry, tmp_path):
    fixture = _api(registry, tmp_path, **{"image.image_size_cap": 1024 * 1024})
    yield fixture
    fixture.cleanUp()


@pytest.fixture
def api(api_service):
    return webtest.TestApp(api_service.app)


@pytest.fixture
def datadir(tmp_path):
    return tmp_path / "images"
