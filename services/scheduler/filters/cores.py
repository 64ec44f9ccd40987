"""CoreFilter: the host has the instance's vCPUs free (claims included)."""

from services.scheduler.filters import BaseHostFilter
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec


class CoreFilter(BaseHostFilter):
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return spec.resources.vcpus <= host.free.vcpus
