"""The core plugin interface the API and the RPC endpoints call.

A plugin deals in plain dicts shaped like the API's resources (neutron's
convention), so the API layer stays the same whatever stores them. A
deployer's plugin subclasses :class:`CorePlugin`, registers it under the
``svc_launch.network.core_plugins`` entry-point namespace and is chosen
with ``[network] core_plugin``.
"""

import abc
import dataclasses
from typing import Any

from oslo_config import cfg

NAMESPACE = "svc_launch.network.core_plugins"

Resource = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ListQuery:
    """What a list request asks for, already validated by the API.

    ``filters`` maps an attribute to the values it may take (any of them);
    ``sorts`` is a list of (attribute, ascending). The plugin pages with
    ``limit`` after ``marker`` (an id of the previous page's last item),
    and adds ``id`` as the final sort key so that pages never overlap.
    """

    filters: dict[str, list[Any]] = dataclasses.field(default_factory=dict)
    sorts: list[tuple[str, bool]] = dataclasses.field(default_factory=list)
    limit: int | None = None
    marker: str | None = None
    page_reverse: bool = False


class CorePlugin(abc.ABC):
    """Networks, subnets and ports, plus what agents ask over RPC.

    ``notifier`` (an :class:`services.network.agent_notifier.AgentNotifier`
    or None) is told about port changes after they are committed.
    """

    def __init__(self, conf: cfg.ConfigOpts, notifier: Any = None) -> None:
        self.conf = conf
        self.notifier = notifier

    # -- networks ------------------------------------------------------
    @abc.abstractmethod
    def create_network(self, context: Any, network: Resource) -> Resource: ...

    @abc.abstractmethod
    def get_network(self, context: Any, id: str) -> Resource: ...

    @abc.abstractmethod
    def get_networks(self, context: Any, query: ListQuery) -> list[Resource]: ...

    @abc.abstractmethod
    def update_network(self, context: Any, id: str, network: Resource) -> Resource: ...

    @abc.abstractmethod
    def delete_network(self, context: Any, id: str) -> None: ...

    # -- subnets -------------------------------------------------------
    def create_subnet(self, context: Any, subnet: Resource) -> Resource:
        raise NotImplementedError

    def get_subnet(self, context: Any, id: str) -> Resource:
        raise NotImplementedError

    def get_subnets(self, context: Any, query: ListQuery) -> list[Resource]:
        raise NotImplementedError

    def update_subnet(self, context: Any, id: str, subnet: Resource) -> Resource:
        raise NotImplementedError

    def delete_subnet(self, context: Any, id: str) -> None:
        raise NotImplementedError

    # -- ports ---------------------------------------------------------
    def create_port(self, context: Any, port: Resource) -> Resource:
        raise NotImplementedError

    def get_port(self, context: Any, id: str) -> Resource:
        raise NotImplementedError

    def get_ports(self, context: Any, query: ListQuery) -> list[Resource]:
        raise NotImplementedError

    def update_port(self, context: Any, id: str, port: Resource) -> Resource:
        raise NotImplementedError

    def delete_port(self, context: Any, id: str) -> None:
        raise NotImplementedError

    # -- bulk: not atomic here; the SQL plugin overrides with one transaction
    def create_bulk(
        self, context: Any, resource: str, items: list[Resource]
    ) -> list[Resource]:
        create = getattr(self, f"create_{resource}")
        return [create(context, item) for item in items]

    # -- agents (RPC) --------------------------------------------------
    def get_ports_on_host(self, context: Any, host: str) -> list[Resource]:
        raise NotImplementedError

    def update_port_status(self, context: Any, port_id: str, status: str) -> bool:
        raise NotImplementedError

    def report_state(self, context: Any, agent_state: Resource) -> Resource:
        raise NotImplementedError

    def supported_extensions(self) -> frozenset[str]:
        """Extension aliases this plugin implements (the API lists these)."""
        return frozenset()

    def close(self) -> None:
        """Release connections (SIGHUP rebuild, stop)."""
        return None
