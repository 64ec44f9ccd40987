"""CoreWeigher: prefer the host with the most free vCPUs (claims included)."""

from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec
from services.scheduler.weighers import BaseHostWeigher


class CoreWeigher(BaseHostWeigher):
    def multiplier(self) -> float:
        return self.conf.filter_scheduler.cpu_weight_multiplier

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        return host.free.vcpus
