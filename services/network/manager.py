"""neutron-server's RPC side: the endpoints agents call on ``q-plugin``.

The RPC workers build their own core plugin (the API workers have theirs),
so agents reach the same database the API writes. Methods follow
neutron's agent RPC names.
"""

from typing import Any

import oslo_messaging

from launcher.manager import Manager
from services.network import agent_notifier
from services.network.plugins import loader
from services.network.plugins.base import CorePlugin


class NetworkManager(Manager):
    """Agent-facing endpoints over the configured core plugin."""

    target = oslo_messaging.Target(version="1.0")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugin: CorePlugin | None = None

    @property
    def plugin(self) -> CorePlugin:
        """Built on first use in the worker, on this worker's transport."""
        if self._plugin is None:
            notifier = agent_notifier.from_conf(self.conf, self.transport)
            self._plugin = loader.load(self.conf, notifier)
        return self._plugin

    def init_host(self) -> None:
        self.plugin  # noqa: B018 - fail at start (exit 3) on a bad core_plugin

    def cleanup_host(self) -> None:
        if self._plugin is not None:
            self._plugin.close()

    def get_ports_on_host(self, context: Any, host: str) -> list[dict[str, Any]]:
        """Every port bound to ``host`` (an L2 agent's resync)."""
        return self.plugin.get_ports_on_host(context, host)

    def get_port(self, context: Any, port_id: str) -> dict[str, Any]:
        return self.plugin.get_port(context, port_id)

    def update_port_status(self, context: Any, port_id: str, status: str) -> bool:
        """Set a port UP/DOWN as the agent wired it; True when it changed."""
        return self.plugin.update_port_status(context, port_id, status)

    def report_state(self, context: Any, agent_state: dict[str, Any]) -> Any:
        """An agent's heartbeat; returns ``{"status": "new"|"alive"}``."""
        return self.plugin.report_state(context, agent_state)

    def get_agents(self, context: Any) -> list[dict[str, Any]]:
        return self.plugin.get_agents(context)  # type: ignore[attr-defined]
