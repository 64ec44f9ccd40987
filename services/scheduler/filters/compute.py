"""ComputeFilter: only hosts whose compute service is up and enabled.

"Up" is judged the framework's way (``launcher.status.judge`` with
``service_down_time``) from the heartbeat row the scheduler last read from
the services table; a host with no row is not trusted.
"""

from oslo_utils import timeutils

from launcher import status
from services.scheduler.filters import BaseHostFilter
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec


class ComputeFilter(BaseHostFilter):
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        row = host.service
        if row is None or row.disabled:
            return False
        return status.judge(row, self.conf.service_down_time, timeutils.utcnow()).up
