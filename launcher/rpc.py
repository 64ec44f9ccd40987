"""oslo.messaging plumbing: transports, servers, clients, context on the wire.

Every transport is built from the service's own ConfigOpts. That exposes
an oslo.messaging 18.x trap: its tracing options are registered only on
the global ``cfg.CONF`` and omitted from ``oslo_messaging.opts``, so the
first call or cast on a transport built from a private ConfigOpts fails
with ``NoSuchOptError: oslo_messaging_tracing`` (18.3.1 has the same gap
for ``oslo_messaging_metrics``). :func:`register_opts` registers those
groups on our ConfigOpts; it is the one place that does.
"""

import threading
from typing import Any

import oslo_messaging
from oslo_config import cfg
from oslo_context import context as oslo_context

TRACING_GROUP = "oslo_messaging_tracing"
METRICS_GROUP = "oslo_messaging_metrics"  # the same trap, seen on 18.3.1


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register oslo.messaging's options, and the group it forgets to export.

    Registering up front (rather than on the first get_transport) lets a
    config file's messaging sections be validated at launch.
    """
    from oslo_messaging import opts as messaging_opts
    from oslo_messaging._metrics import client as metrics_client
    from oslo_messaging._tracing import client as tracing_client

    for group, options in messaging_opts.list_opts():
        conf.register_opts(options, group=group)
    conf.register_opts(tracing_client.oslo_messaging_tracing, group=TRACING_GROUP)
    conf.register_opts(metrics_client.oslo_messaging_metrics, group=METRICS_GROUP)


def get_transport(conf: cfg.ConfigOpts) -> oslo_messaging.Transport:
    register_opts(conf)
    return oslo_messaging.get_rpc_transport(conf)


class ContextSerializer(oslo_messaging.Serializer):
    """Carry the caller's RequestContext (and its request id) across RPC."""

    def __init__(self, base: oslo_messaging.Serializer | None = None) -> None:
        self._base = base or oslo_messaging.NoOpSerializer()

    def serialize_entity(self, ctxt: Any, entity: Any) -> Any:
        return self._base.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt: Any, entity: Any) -> Any:
        return self._base.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt: Any) -> dict[str, Any]:
        if isinstance(ctxt, oslo_context.RequestContext):
            return ctxt.to_dict()
        return dict(ctxt or {})

    def deserialize_context(self, ctxt: dict[str, Any]) -> oslo_context.RequestContext:
        context = oslo_context.RequestContext.from_dict(ctxt)
        # The callee's log lines carry the caller's request id.
        context.update_store()
        return context


def get_server(
    transport: oslo_messaging.Transport,
    topic: str,
    server: str,
    endpoints: list[Any],
    access_policy: type = oslo_messaging.DefaultRPCAccessPolicy,
) -> oslo_messaging.rpc.server.RPCServer:
    """An RPC server on ``topic`` for this host, which also hears fanout casts.

    oslo.messaging's default (threading) executor serves both backends:
    under eventlet its threads are green because the process is patched.
    """
    target = oslo_messaging.Target(topic=topic, server=server)
    return oslo_messaging.get_rpc_server(
        transport,
        target,
        endpoints,
        serializer=ContextSerializer(),
        access_policy=access_policy,
    )


class InFlightCalls:
    """How many RPC messages this server is processing right now.

    The drain logs it and tests read it. oslo.messaging hands every message
    to ``_process_incoming`` on its executor; counting around that one
    method (wrapped on the instance, before ``start()``) sees calls and
    casts alike, from dispatch to reply.
    """

    def __init__(self, server: Any) -> None:
        self._lock = threading.Lock()
        self._count = 0
        process = server._process_incoming

        def counted(incoming: Any) -> Any:
            with self._lock:
                self._count += 1
            try:
                return process(incoming)
            finally:
                with self._lock:
                    self._count -= 1

        server._process_incoming = counted

    @property
    def count(self) -> int:
        return self._count


def get_client(
    transport: oslo_messaging.Transport,
    topic: str,
    version: str = "1.0",
    timeout: int | None = None,
) -> oslo_messaging.RPCClient:
    target = oslo_messaging.Target(topic=topic, version=version)
    return oslo_messaging.get_rpc_client(
        transport, target, serializer=ContextSerializer(), timeout=timeout
    )
