"""Every option svc-launch reads, by group, and their export for the generator.

Options are registered on the ConfigOpts a caller passes in; nothing is
registered on oslo.config's global CONF here.
"""

import os
import socket
from collections.abc import Iterable

from oslo_config import cfg
from oslo_utils import importutils

from launcher.definition import ServiceDefinition


def _default_state_path() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(base, "svc-launch")


core_opts = [
    cfg.HostAddressOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<hostname>",
        help="Name of this node: the RPC server name and the heartbeat row's host.",
    ),
    cfg.StrOpt(
        "state_path",
        default=_default_state_path(),
        sample_default="$XDG_STATE_HOME/svc-launch",
        help="Directory for local state: the default SQLite database, image data.",
    ),
    cfg.IntOpt(
        "report_interval",
        mutable=True,
        default=10,
        min=1,
        help="Seconds between heartbeats written to the services table.",
    ),
    cfg.IntOpt(
        "service_down_time",
        mutable=True,
        default=60,
        min=1,
        help="A service whose last heartbeat is older than this many seconds is down.",
    ),
    cfg.BoolOpt(
        "periodic_enable",
        mutable=True,
        default=True,
        help="Run the manager's periodic tasks, each on its own thread and "
        "schedule (see docs/framework.md, Periodic tasks).",
    ),
    cfg.IntOpt(
        "periodic_fuzzy_delay",
        mutable=True,
        default=60,
        min=0,
        help="Default jitter of a periodic task: a random delay, up to this "
        "many seconds, added to the task's initial delay (counted from the "
        "service's start), so that many workers started together do not run "
        "in lockstep. A task's own jitter overrides it.",
    ),
    cfg.IntOpt(
        "periodic_interval_max",
        mutable=True,
        default=60,
        min=1,
        help="Longest a periodic task's scheduler sleeps before it reads the "
        "task's spacing again; a spacing changed at run time takes effect "
        "within this many seconds.",
    ),
]

supervisor_opts = [
    cfg.IntOpt(
        "respawn_max_tries",
        mutable=True,
        default=5,
        min=1,
        help="A worker that dies before it is ready this many times within "
        "respawn_window seconds makes the launcher give up and exit 1.",
    ),
    cfg.IntOpt(
        "respawn_window", mutable=True, default=60, min=1, help="See respawn_max_tries."
    ),
    cfg.FloatOpt(
        "respawn_backoff_initial",
        mutable=True,
        default=0.1,
        min=0,
        help="Delay before the first respawn of a failed worker; doubles each time.",
    ),
    cfg.FloatOpt(
        "respawn_backoff_max",
        mutable=True,
        default=10.0,
        min=0,
        help="Cap on the respawn delay.",
    ),
    cfg.IntOpt(
        "worker_ready_timeout",
        mutable=True,
        default=60,
        min=1,
        help="Seconds a new worker may take to become ready; on reload, a "
        "worker slower than this aborts the reload and the old workers stay.",
    ),
    cfg.FloatOpt(
        "worker_heartbeat_interval",
        default=1.0,
        min=0.1,
        mutable=True,
        help="Seconds between a worker's liveness messages to the launcher.",
    ),
    cfg.IntOpt(
        "worker_stuck_timeout",
        default=30,
        min=0,
        mutable=True,
        help="A ready worker silent for this many seconds (frozen, or its "
        "eventlet hub blocked) is killed and replaced; 0 disables the check.",
    ),
    cfg.IntOpt(
        "rpc_deaf_timeout",
        default=90,
        min=0,
        mutable=True,
        help="A ready RPC worker whose broker connection has been down, or "
        "whose consumers have not been re-registered, for this many seconds "
        "logs it and is restarted (exit code 5); 0 disables the check. Keep "
        "it above the broker heartbeat_timeout_threshold so that a failover "
        "oslo.messaging recovers from on its own is left to it.",
    ),
    cfg.IntOpt(
        "cleanup_timeout",
        default=10,
        min=0,
        mutable=True,
        help="Second phase of a graceful stop: seconds for periodic tasks, the "
        "heartbeat and cleanup_host to finish once in-flight work has drained "
        "(graceful_shutdown_timeout); 0 waits forever.",
    ),
    cfg.IntOpt(
        "reload_batch_size",
        mutable=True,
        default=1,
        min=1,
        help="How many workers SIGHUP replaces at a time.",
    ),
]

wsgi_opts = [
    cfg.IntOpt("backlog", default=4096, min=1, help="Listen backlog of API sockets."),
    cfg.IntOpt(
        "tcp_keepidle",
        mutable=True,
        default=600,
        min=1,
        help="TCP_KEEPIDLE of accepted connections, in seconds.",
    ),
    cfg.IntOpt(
        "default_pool_size",
        mutable=True,
        default=100,
        min=1,
        help="Concurrent requests per API worker: green threads under eventlet, "
        "waitress threads under threading.",
    ),
    cfg.IntOpt(
        "max_header_line",
        mutable=True,
        default=16384,
        min=1,
        help="Longest request header line accepted.",
    ),
    cfg.BoolOpt(
        "keep_alive", mutable=True, default=True, help="Allow HTTP keep-alive."
    ),
    cfg.IntOpt(
        "client_socket_timeout",
        mutable=True,
        default=900,
        min=0,
        help="Seconds an idle client connection is kept; 0 waits forever.",
    ),
    cfg.StrOpt(
        "log_format",
        mutable=True,
        default='%(client_ip)s "%(request_line)s" status: %(status_code)s '
        "len: %(body_length)s time: %(wall_seconds).7f",
        help="Access log line format, written once the response body is closed.",
    ),
]


def api_opts(definition: ServiceDefinition) -> list[cfg.Opt]:
    spec = definition.api
    assert spec is not None
    opts: list[cfg.Opt] = [
        cfg.HostAddressOpt(
            "bind_host",
            default=spec.default_host,
            help=f"Address {definition.binary} listens on.",
        ),
        cfg.PortOpt(
            "bind_port",
            default=spec.default_port,
            help=f"Port {definition.binary} listens on.",
        ),
        cfg.IntOpt(
            spec.workers_opt,
            mutable=True,
            default=1,
            min=1,
            help=f"Number of {definition.binary} API worker processes.",
        ),
        cfg.StrOpt(
            "paste_config",
            mutable=True,
            default=spec.paste_ini,
            help="Paste deploy ini file; a relative name is looked up in the "
            "config directories, then in the installed etc/.",
        ),
        cfg.StrOpt(
            "paste_app",
            mutable=True,
            default=spec.app_name,
            help="Application name in the ini.",
        ),
    ]
    if definition.rpc:
        opts.append(
            cfg.IntOpt(
                definition.rpc_workers_opt,
                mutable=True,
                default=1,
                min=0,
                help="RPC worker processes run beside the API workers.",
            )
        )
    return opts


def definition_opts(definition: ServiceDefinition) -> list[cfg.Opt]:
    if definition.api is not None:
        return api_opts(definition)
    return [
        cfg.IntOpt(
            "workers",
            mutable=True,
            default=1,
            min=1,
            help=f"Number of {definition.binary} worker processes.",
        )
    ]


def register(conf: cfg.ConfigOpts) -> None:
    """Register the framework's own options (not a daemon's) on ``conf``."""
    from oslo_db import options as db_options
    from oslo_service import opts as service_opts

    conf.register_opts(core_opts)
    conf.register_opts(supervisor_opts, group="supervisor")
    conf.register_opts(wsgi_opts, group="wsgi")
    service_opts.register_service_opts(conf)
    db_options.set_defaults(conf)


def register_definition(
    conf: cfg.ConfigOpts, definition: ServiceDefinition, own: bool = True
) -> None:
    """Register a daemon's launcher options and, with ``own``, its own ones.

    The launcher options (bind address, workers) come from plain data and
    cannot fail; a daemon's own options mean importing its code, which a
    broken package can make fail, so callers load those only for the
    daemons they launch.
    """
    conf.register_opts(definition_opts(definition), group=definition.group)
    if own:
        for group, options in own_opts(definition):
            conf.register_opts(options, group=group)


def own_opts(definition: ServiceDefinition) -> list[tuple[str | None, list[cfg.Opt]]]:
    """The options a definition declares through ``options``."""
    if not definition.options:
        return []
    from launcher import errors

    try:
        list_opts = importutils.import_class(definition.options.replace(":", "."))
        return [(group, list(options)) for group, options in list_opts()]
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise errors.DefinitionLoadError(
            f"{definition.binary}: cannot load options {definition.options!r}: {exc}",
            "check the definition's options path",
        ) from None


def list_opts() -> Iterable[tuple[str | None, list[cfg.Opt]]]:
    """oslo-config-generator entry point: the framework and every daemon found."""
    from oslo_messaging._metrics import client as metrics_client
    from oslo_messaging._tracing import client as tracing_client

    from launcher import registry

    yield None, core_opts
    yield "supervisor", supervisor_opts
    yield "wsgi", wsgi_opts
    # oslo.messaging uses these groups but leaves them out of its own list.
    yield "oslo_messaging_tracing", tracing_client.oslo_messaging_tracing
    yield "oslo_messaging_metrics", metrics_client.oslo_messaging_metrics
    for _binary, definition in sorted(registry.load().definitions.items()):
        yield definition.group, definition_opts(definition)
