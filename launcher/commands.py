"""What ``svc-launch`` does with its argv, as plain functions.

``run(argv)`` returns an exit code and never lets a traceback reach the
terminal for an error an operator can fix: those are LaunchError, printed
as one line (exit 2 for configuration, 1 at run time).
"""

import logging
import sys
from collections.abc import Callable, Sequence

from oslo_config import cfg

from launcher import config, errors, registry
from launcher.definition import ServiceDefinition

LOG = logging.getLogger(__name__)
SUBCOMMANDS = ("status", "db")
DB_ACTIONS = ("sync", "version")
STATUS_OPTS = [
    cfg.BoolOpt(
        "tasks",
        default=False,
        help="status: also list each service's periodic tasks with their "
        "counters, as of its last heartbeat.",
    ),
]


def run(argv: Sequence[str], *, out: Callable[[str], None] = print) -> int:
    try:
        return _run(list(argv), out)
    except errors.LaunchError as exc:
        print(f"svc-launch: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return errors.EXIT_RUNTIME


def split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """Separate a leading subcommand (``status``, ``db sync``) from options."""
    if not argv or argv[0] not in SUBCOMMANDS:
        return [], argv
    if argv[0] == "db":
        if len(argv) < 2 or argv[1] not in DB_ACTIONS:
            raise errors.ConfigError(
                "db needs an action", f"use one of: {', '.join(DB_ACTIONS)}"
            )
        return argv[:2], argv[2:]
    return argv[:1], argv[1:]


def _run(argv: list[str], out: Callable[[str], None]) -> int:
    command, rest = split_command(argv)
    found = registry.load()
    conf = config.new_conf()
    if command == ["status"]:
        conf.register_cli_opts(STATUS_OPTS)
    # Every daemon's launcher options, so any config file parses; a daemon's
    # own options only for those launched, so one broken package does not
    # stop the others.
    config.register_definitions(conf, list(found.definitions.values()), own=False)
    config.parse(conf, rest)
    selected = [found.get(binary) for binary in conf.binary]
    config.register_definitions(conf, selected)
    config.validate(conf)
    config.setup_logging(conf)
    for broken in found.broken.values():
        LOG.warning("%s", broken)
    if command == ["status"]:
        return _status(conf, out)
    if command[:1] == ["db"]:
        return _db(conf, command[1], out)
    if conf.list:
        return _list(found, out)
    return _launch(conf, found, selected, out)


def _list(found: registry.Registry, out: Callable[[str], None]) -> int:
    rows = [("BINARY", "TOPIC", "KIND", "PORT", "MANAGER")]
    for name, d in sorted(found.definitions.items()):
        port = str(d.api.default_port) if d.api else "-"
        rows.append((name, d.topic, d.kind, port, d.manager))
    for line in _table(rows):
        out(line)
    for broken in found.broken.values():
        out(f"BROKEN {broken}")
    return errors.EXIT_OK


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _database(conf: cfg.ConfigOpts):
    from launcher.db.api import Database

    return Database(config.database_connection(conf))


def _status(conf: cfg.ConfigOpts, out: Callable[[str], None]) -> int:
    from launcher import status

    db = _database(conf)
    try:
        rows = status.collect(db, conf.service_down_time)
    finally:
        db.dispose()
    out(status.render(rows))
    if conf.tasks:
        out("")
        out(status.render_tasks(rows))
    return errors.EXIT_OK


def _db(conf: cfg.ConfigOpts, action: str, out: Callable[[str], None]) -> int:
    from launcher.db import migration

    url = config.database_connection(conf)
    if action == "sync":
        migration.upgrade(url)
    for tree in migration.trees():
        revision = migration.current(url, tree) or "none"
        state = "current" if revision == migration.head(tree) else "behind"
        out(f"{tree.name}: revision {revision} ({state})")
    return errors.EXIT_OK


def ensure_schema(conf: cfg.ConfigOpts) -> None:
    """Fail fast on an unreachable or stale database; migrate the embedded one."""
    from launcher.db import migration

    url = config.database_connection(conf)
    db = _database(conf)
    try:
        db.ping()
    finally:
        db.dispose()
    if migration.is_current(url):
        return
    if url.startswith("sqlite"):
        LOG.info("creating the embedded database at %s", url)
        migration.upgrade(url)
        return
    raise errors.ConfigError(
        "the database schema is not at the current revision",
        "run: svc-launch db sync",
    )


def _launch(
    conf: cfg.ConfigOpts,
    found: registry.Registry,
    definitions: list[ServiceDefinition],
    out: Callable[[str], None],
) -> int:
    from launcher import launch

    if not definitions:
        known = ", ".join(sorted(found.definitions)) or "none installed"
        raise errors.ConfigError("no --binary given", f"known binaries: {known}")
    if conf.check_config:
        for definition in definitions:
            launch.plan(conf, definition)
        out("configuration OK: " + ", ".join(conf.binary))
        return errors.EXIT_OK
    ensure_schema(conf)
    return _supervise(conf, definitions)


def _supervise(conf: cfg.ConfigOpts, definitions: list[ServiceDefinition]) -> int:
    from launcher import launch
    from launcher.supervisor import ProcessLauncher

    sockets = {d.binary: launch.bind(conf, d) for d in definitions if d.api}
    for binary, sock in sockets.items():
        host, port = sock.getsockname()[:2]
        LOG.info("%s listening on http://%s:%d", binary, host, port)
    launcher = ProcessLauncher(conf, listeners=sockets.values())
    for definition in definitions:
        for role in launch.plan(conf, definition, sockets.get(definition.binary)):
            launcher.launch_service(role.service, role.workers, role.name)
    return launcher.wait()
