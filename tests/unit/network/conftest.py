"""Shared pieces of neutron-server's unit tests: a config, a migrated plugin."""

import pytest

from launcher import config
from launcher.db import migration
from services.network import opts
from services.network.plugins.sql.plugin import SqlPlugin


class Recorder:
    """A notifier that remembers what it was told."""

    def __init__(self):
        self.events = []

    def port_create(self, context, port):
        self.events.append(("port_create", port["id"]))

    def port_update(self, context, port):
        self.events.append(("port_update", port["id"]))

    def port_delete(self, context, port):
        self.events.append(("port_delete", port["id"]))


def make_conf(state_path, database_url=None, **overrides):
    conf = config.new_conf()
    for group, options in opts.list_opts():
        conf.register_opts(options, group=group)
    conf([], project=config.PROJECT, default_config_files=[])
    conf.set_override("state_path", str(state_path))
    conf.set_override("transport_url", "fake://")
    if database_url:
        conf.set_override("connection", database_url, group="database")
    for key, value in overrides.items():
        group, _, name = key.rpartition(".")
        conf.set_override(name, value, group=group or None)
    return conf


@pytest.fixture
def conf(tmp_path):
    conf = make_conf(tmp_path)
    migration.upgrade(config.database_connection(conf))
    return conf


@pytest.fixture
def notifier():
    return Recorder()


@pytest.fixture
def plugin(conf, notifier):
    plugin = SqlPlugin(conf, notifier)
    yield plugin
    plugin.close()


def network_body(**kw):
    return {
        "project_id": "p1",
        "name": "net",
        "description": "",
        "admin_state_up": True,
        "shared": False,
        **kw,
    }


def subnet_body(network_id, cidr="10.0.0.0/24", ip_version=4, **kw):
    return {
        "project_id": "p1",
        "name": "sub",
        "description": "",
        "network_id": network_id,
        "cidr": cidr,
        "ip_version": ip_version,
        "enable_dhcp": True,
        "dns_nameservers": [],
        "host_routes": [],
        **kw,
    }


def port_body(network_id, **kw):
    return {
        "project_id": "p1",
        "name": "port",
        "description": "",
        "network_id": network_id,
        "admin_state_up": True,
        "device_id": "",
        "device_owner": "",
        **kw,
    }
