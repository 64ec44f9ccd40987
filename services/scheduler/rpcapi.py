"""Client side of the scheduler and compute RPC APIs.

Other daemons, tools and tests talk to nova-scheduler and nova-compute only
through these classes, so that method names, argument shapes and versions
live in one place. Each method pins the lowest API version that has it; a
caller talking to older servers during an upgrade passes ``version_cap``.

To get NoValidHost and InvalidRequestSpec back as themselves, build the
transport with :func:`get_transport` (it allows this package's exception
module); any other transport raises ``oslo_messaging.RemoteError`` with the
same message.
"""

from collections.abc import Mapping
from typing import Any

import oslo_messaging
from oslo_config import cfg

from launcher import rpc
from services.scheduler import exception
from services.scheduler.request_spec import Destination
from services.scheduler.topics import COMPUTE_TOPIC, SCHEDULER_TOPIC


def get_transport(conf: cfg.ConfigOpts) -> oslo_messaging.Transport:
    """An RPC transport whose callers see the scheduler's own exception classes."""
    rpc.register_opts(conf)
    return oslo_messaging.get_rpc_transport(
        conf, allowed_remote_exmods=exception.ALLOWED_REMOTE_EXMODS
    )


class _Client:
    def __init__(
        self,
        transport: oslo_messaging.Transport,
        topic: str,
        timeout: int | None,
        version_cap: str | None,
    ) -> None:
        client = rpc.get_client(transport, topic, timeout=timeout)
        self.client = client.prepare(version_cap=version_cap) if version_cap else client

    def can_send_version(self, version: str) -> bool:
        return self.client.can_send_version(version)


class SchedulerAPI(_Client):
    """The scheduler's API.

    1.0 - select_destinations, update_host_state
    1.1 - get_host_states
    """

    VERSION = "1.1"

    def __init__(
        self,
        transport: oslo_messaging.Transport,
        *,
        topic: str = SCHEDULER_TOPIC,
        timeout: int | None = None,
        version_cap: str | None = None,
    ) -> None:
        super().__init__(transport, topic, timeout, version_cap)

    def select_destinations(
        self, ctxt: Any, request_spec: Mapping[str, Any]
    ) -> list[Destination]:
        """A host per instance, claimed; NoValidHost or InvalidRequestSpec otherwise.

        ``request_spec``: vcpus, memory_mb, disk_gb (per instance),
        num_instances (default 1), availability_zone and instance_uuids
        (optional). Load-balanced over every scheduler on the topic.
        """
        cctxt = self.client.prepare(version="1.0")
        return cctxt.call(ctxt, "select_destinations", request_spec=dict(request_spec))

    def update_host_state(self, ctxt: Any, host: str, state: Mapping[str, Any]) -> None:
        """Fan a compute's capacity and usage out to every scheduler (a cast)."""
        cctxt = self.client.prepare(version="1.0", fanout=True)
        cctxt.cast(ctxt, "update_host_state", host=host, state=dict(state))

    def get_host_states(self, ctxt: Any, server: str | None = None) -> dict[str, Any]:
        """One scheduler's view of its hosts and its counters (``server`` picks it)."""
        cctxt = self.client.prepare(version="1.1", server=server)
        return cctxt.call(ctxt, "get_host_states")


class ComputeAPI(_Client):
    """The compute's API.

    1.0 - build_instance, get_usage, request_state_report
    """

    VERSION = "1.0"

    def __init__(
        self,
        transport: oslo_messaging.Transport,
        *,
        topic: str = COMPUTE_TOPIC,
        timeout: int | None = None,
        version_cap: str | None = None,
    ) -> None:
        super().__init__(transport, topic, timeout, version_cap)

    def build_instance(
        self, ctxt: Any, host: str, instance_uuid: str, request_spec: Mapping[str, Any]
    ) -> None:
        """Ask ``host`` to run one instance of ``request_spec`` (a cast)."""
        cctxt = self.client.prepare(version="1.0", server=host)
        cctxt.cast(
            ctxt,
            "build_instance",
            instance_uuid=instance_uuid,
            request_spec=dict(request_spec),
        )

    def get_usage(self, ctxt: Any, host: str) -> dict[str, Any]:
        """``host``'s capacity, usage, instance count and refused builds."""
        return self.client.prepare(version="1.0", server=host).call(ctxt, "get_usage")

    def request_state_report(self, ctxt: Any, retry: int | None = None) -> None:
        """Ask every compute to report to the schedulers now (a fanout cast)."""
        cctxt = self.client.prepare(version="1.0", fanout=True, retry=retry)
        cctxt.cast(ctxt, "request_state_report")
