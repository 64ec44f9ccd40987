"""glance-api's auth filter: noauth by default, keystonemiddleware on demand."""

import pytest
import webtest

from launcher.testing.fixtures import ServiceFixture


def test_noauth_fills_default_roles_and_trusts_project_headers(api):
    created = api.post_json(
        "/v2/images",
        {"name": "mine", "disk_format": "raw", "container_format": "bare"},
        headers={"X-Project-Id": "p1"},
        status=201,
    )
    assert created.json["owner"] == "p1"


def test_keystone_strategy_rejects_a_request_without_token(registry, tmp_path):
    auth_token = pytest.importorskip("keystonemiddleware.auth_token")
    service = ServiceFixture(
        "glance-api",
        overrides={
            "image_registry_client.registry_url": registry.base_url,
            "image_store_filesystem.datadir": str(tmp_path / "images"),
            "image_auth.strategy": "keystone",
            # No Keystone is reached: a request without a token is refused
            # before any validation call.
            "keystone_authtoken.www_authenticate_uri": "http://keystone.invalid:5000",
        },
        extra_opts=auth_token.list_opts(),
    )
    service.setUp()
    try:
        app = webtest.TestApp(service.app)
        # Spoofed identity headers must not get through without a token.
        response = app.get(
            "/v2/images",
            headers={"X-Project-Id": "p1", "X-Roles": "admin"},
            status=401,
        )
        assert "keystone.invalid" in response.headers["WWW-Authenticate"]
    finally:
        service.cleanUp()


def test_keystone_strategy_without_keystonemiddleware_is_a_clear_error(
    registry, tmp_path, monkeypatch
):
    import builtins

    real_import = builtins.__import__

    def no_keystonemiddleware(name, *args, **kwargs):
        if name.startswith("keystonemiddleware"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_keystonemiddleware)
    fixture = ServiceFixture(
        "glance-api",
        overrides={
            "image_registry_client.registry_url": registry.base_url,
            "image_auth.strategy": "keystone",
        },
    )
    # A fixture whose setUp fails has already cleaned itself up.
    with pytest.raises(Exception, match="needs keystonemiddleware"):
        fixture.setUp()
