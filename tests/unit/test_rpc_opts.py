"""The oslo.messaging 18.x tracing-options trap, and our fix for it."""

import oslo_messaging
import pytest
from oslo_config import cfg

from launcher import rpc


class Echo:
    target = oslo_messaging.Target(version="1.0")

    def echo(self, context, value):
        return value


def _call_once(conf):
    transport = oslo_messaging.get_rpc_transport(conf, url="fake://")
    server = rpc.get_server(transport, "trap", "h", [Echo()])
    server.start()
    try:
        client = rpc.get_client(transport, "trap", timeout=5)
        return client.call({}, "echo", value=42)
    finally:
        server.stop()
        server.wait()
        transport.cleanup()


def _conf_without(group):
    """A private ConfigOpts prepared the way oslo.messaging's docs suggest."""
    from oslo_messaging import opts as messaging_opts
    from oslo_messaging._metrics import client as metrics
    from oslo_messaging._tracing import client as tracing

    conf = cfg.ConfigOpts()
    conf([], default_config_files=[])
    for name, options in messaging_opts.list_opts():
        conf.register_opts(options, group=name)
    forgotten = {
        rpc.TRACING_GROUP: tracing.oslo_messaging_tracing,
        rpc.METRICS_GROUP: metrics.oslo_messaging_metrics,
    }
    for name, options in forgotten.items():
        if name != group:
            conf.register_opts(options, group=name)
    return conf


@pytest.mark.parametrize("group", [rpc.TRACING_GROUP, rpc.METRICS_GROUP])
def test_private_conf_without_the_forgotten_groups_fails(group):
    with pytest.raises(cfg.NoSuchOptError, match=group):
        _call_once(_conf_without(group))


def test_register_opts_fixes_private_conf():
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[])
    rpc.register_opts(conf)
    assert _call_once(conf) == 42
