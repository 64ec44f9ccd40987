"""AvailabilityZoneFilter: a request naming a zone goes only to that zone."""

from services.scheduler.filters import BaseHostFilter
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec


class AvailabilityZoneFilter(BaseHostFilter):
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        zone = spec.availability_zone
        return zone is None or zone == host.availability_zone
