"""RamFilter: the host has the instance's memory free (claims included)."""

from services.scheduler.filters import BaseHostFilter
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec


class RamFilter(BaseHostFilter):
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return spec.resources.memory_mb <= host.free.memory_mb
