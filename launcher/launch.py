"""From definitions to supervised worker groups.

This is the step between configuration and the supervisor: bind API
sockets (in the parent, before any fork, so workers share them), build
one Service per role, and tell the launcher how many workers each gets.
"""

import dataclasses
import socket
from collections.abc import Callable

from oslo_config import cfg

from launcher.definition import ServiceDefinition
from launcher.service import Service


@dataclasses.dataclass
class Role:
    name: str
    service: Service
    workers: Callable[[], int]


def _count(conf: cfg.ConfigOpts, group: str, option: str) -> Callable[[], int]:
    """Worker counts are read again on every SIGHUP, unless --workers fixed them."""

    def count() -> int:
        return conf.workers or conf[group][option]

    return count


def bind(conf: cfg.ConfigOpts, definition: ServiceDefinition) -> socket.socket:
    from launcher.wsgi import sockets

    group = conf[definition.group]
    return sockets.bind(group.bind_host, group.bind_port, conf.wsgi.backlog)


def plan(
    conf: cfg.ConfigOpts,
    definition: ServiceDefinition,
    sock: socket.socket | None = None,
) -> list[Role]:
    """The roles a daemon runs: API workers, RPC workers, or one of each kind."""
    group = definition.group
    if definition.api is None:
        service = Service.create(conf, definition=definition, serve_api=False)
        return [Role(definition.binary, service, _count(conf, group, "workers"))]
    roles = [
        Role(
            f"{definition.binary} api",
            Service.create(
                conf,
                definition=definition,
                serve_api=True,
                serve_rpc=False,
                primary=not definition.rpc,
                sock=sock,
            ),
            _count(conf, group, definition.api.workers_opt),
        )
    ]
    if definition.rpc:
        rpc_workers = definition.rpc_workers_opt
        roles.append(
            Role(
                f"{definition.binary} rpc",
                Service.create(
                    conf, definition=definition, serve_api=False, serve_rpc=True
                ),
                lambda: conf[group][rpc_workers],
            )
        )
    return roles
