"""DiskFilter: the host has the instance's disk free (claims included)."""

from services.scheduler.filters import BaseHostFilter
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec


class DiskFilter(BaseHostFilter):
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        return spec.resources.disk_gb <= host.free.disk_gb
