"""neutron-server's own options (``ServiceDefinition.options``)."""

from collections.abc import Iterable

from oslo_config import cfg

GROUP = "network"

network_opts = [
    cfg.StrOpt(
        "core_plugin",
        default="sql",
        help="Core plugin: an entry point name in the "
        "svc_launch.network.core_plugins namespace, or a dotted path "
        "'package.module:Class' / 'package.module.Class'.",
    ),
    cfg.StrOpt(
        "base_mac",
        default="fa:16:3e:00:00:00",
        help="Port MAC addresses keep the first three octets of this.",
    ),
    cfg.IntOpt(
        "pagination_max_limit",
        default=1000,
        min=1,
        help="Largest page a list request returns (a larger limit is capped).",
    ),
    cfg.IntOpt(
        "ipam_max_retries",
        default=50,
        min=1,
        help="Attempts to create a port when concurrent creates take the same "
        "address; each lost attempt means another port got an address.",
    ),
    cfg.IntOpt("default_mtu", default=1500, min=68, help="MTU of new networks."),
    cfg.BoolOpt(
        "notify_agents",
        default=True,
        help="Cast port events to agents on the fanout topics.",
    ),
    cfg.IntOpt(
        "agent_down_time",
        default=75,
        min=1,
        help="An agent whose last report_state is older than this is down.",
    ),
]


def list_opts() -> Iterable[tuple[str | None, list[cfg.Opt]]]:
    return [(GROUP, network_opts)]
