"""Port events cast to agents on fanout topics, as neutron's ML2 does.

Topics follow neutron's naming: ``q-agent-notifier-port-update`` (method
``port_update``), ``...-port-delete`` (``port_delete``) and, for new
ports, ``...-port-create`` (``port_create``). Every agent listening on a
topic gets every cast. A cast is best effort: the API call it reports
has already committed, so a broker failure is logged, never raised.
"""

import logging
from collections.abc import Callable
from typing import Any

from oslo_config import cfg

LOG = logging.getLogger(__name__)

TOPIC_PREFIX = "q-agent-notifier"
VERSION = "1.0"


def topic(resource: str, operation: str) -> str:
    return f"{TOPIC_PREFIX}-{resource}-{operation}"


class AgentNotifier:
    """Fanout casts on a transport made on first use (after fork)."""

    def __init__(self, transport_factory: Callable[[], Any]) -> None:
        self._transport_factory = transport_factory
        self._clients: dict[str, Any] = {}

    def port_create(self, context: Any, port: dict[str, Any]) -> None:
        self._cast(context, topic("port", "create"), "port_create", port=port)

    def port_update(self, context: Any, port: dict[str, Any]) -> None:
        self._cast(context, topic("port", "update"), "port_update", port=port)

    def port_delete(self, context: Any, port: dict[str, Any]) -> None:
        self._cast(
            context,
            topic("port", "delete"),
            "port_delete",
            port_id=port["id"],
            network_id=port["network_id"],
        )

    def _cast(self, context: Any, name: str, method: str, **kwargs: Any) -> None:
        try:
            self._client(name).cast(context or {}, method, **kwargs)
        except Exception:
            LOG.exception("could not cast %s to %s", method, name)

    def _client(self, name: str) -> Any:
        client = self._clients.get(name)
        if client is None:
            from launcher import rpc

            transport = self._transport_factory()
            client = rpc.get_client(transport, name, VERSION).prepare(
                fanout=True, retry=1
            )
            self._clients[name] = client
        return client


def from_conf(conf: cfg.ConfigOpts, transport: Any = None) -> AgentNotifier | None:
    """A notifier on ``transport`` (or one built from ``conf``), if enabled."""
    if not conf.network.notify_agents:
        return None
    cache: list[Any] = [transport] if transport is not None else []

    def factory() -> Any:
        if not cache:
            from launcher import rpc

            cache.append(rpc.get_transport(conf))
        return cache[0]

    return AgentNotifier(factory)


__all__ = ["AgentNotifier", "from_conf", "topic"]
