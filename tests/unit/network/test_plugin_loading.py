"""The core plugin is chosen by name: an alias, a dotted path, a deployer's."""

import pytest
import webtest

from launcher import errors
from launcher.testing.fixtures import ServiceFixture
from services.network.plugins import loader
from services.network.plugins.sql.plugin import SqlPlugin
from tests.unit.network.conftest import make_conf


@pytest.mark.parametrize(
    "name",
    [
        "sql",
        "services.network.plugins.sql.plugin:SqlPlugin",
        "services.network.plugins.sql.plugin.SqlPlugin",
    ],
)
def test_bundled_plugin_by_alias_or_path(tmp_path, name):
    plugin = loader.load(make_conf(tmp_path, **{"network.core_plugin": name}))
    assert isinstance(plugin, SqlPlugin)


def test_deployer_plugin_by_alias(tmp_path):
    plugin = loader.load(make_conf(tmp_path, **{"network.core_plugin": "memory"}))
    assert type(plugin).__module__ == "svc_launch_netplugin.plugin"


@pytest.mark.parametrize(
    "name,message",
    [
        ("nosuch", "unknown core_plugin 'nosuch'"),
        ("broken", "core_plugin 'broken' failed to load"),
        ("no.such.module.Plugin", "cannot import core_plugin"),
        ("launcher.errors.ConfigError", "is not a CorePlugin subclass"),
    ],
)
def test_bad_plugin_names_are_config_errors(tmp_path, name, message):
    conf = make_conf(tmp_path, **{"network.core_plugin": name})
    with pytest.raises(errors.ConfigError, match=message):
        loader.load(conf)


def test_deployer_plugin_serves_the_api():
    fixture = ServiceFixture(
        "neutron-server",
        overrides={"network.core_plugin": "memory", "neutron_server.bind_port": 0},
    )
    fixture.setUp()
    try:
        api = webtest.TestApp(fixture.app)
        made = api.post_json("/v2.0/networks", {"network": {"name": "m"}}).json
        assert made["network"]["plugin"] == "memory"
        listed = api.get("/v2.0/networks?name=m").json["networks"]
        assert [n["id"] for n in listed] == [made["network"]["id"]]
        aliases = [e["alias"] for e in api.get("/v2.0/extensions").json["extensions"]]
        assert aliases == ["fields"]
        error = api.get("/v2.0/subnets", status=501).json["NeutronError"]
        assert error["type"] == "NotImplementedError"
    finally:
        fixture.cleanUp()
