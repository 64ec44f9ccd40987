"""RAMWeigher: prefer the host with the most free memory (claims included)."""

from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec
from services.scheduler.weighers import BaseHostWeigher


class RAMWeigher(BaseHostWeigher):
    def multiplier(self) -> float:
        return self.conf.filter_scheduler.ram_weight_multiplier

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        return host.free.memory_mb
