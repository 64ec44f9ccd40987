"""DeniedHostsFilter: keep instances off the hosts an operator lists.

It registers its own option on the ConfigOpts it is given, as any
deployer's filter would.
"""

from oslo_config import cfg

from services.scheduler.filters import BaseHostFilter
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec

GROUP = "schedplugin"
OPTS = [cfg.ListOpt("denied_hosts", default=[], help="Hosts never chosen.")]


class DeniedHostsFilter(BaseHostFilter):
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        super().__init__(conf)
        conf.register_opts(OPTS, group=GROUP)

    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return host.host not in self.conf[GROUP].denied_hosts


class NotAFilter:
    """Registered on purpose in the filters namespace: it must be refused."""
