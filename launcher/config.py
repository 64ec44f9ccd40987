"""Turn argv and config files into one ConfigOpts, and check it eagerly.

oslo.config reports a bad value only when the option is first read, which
in a daemon may be minutes later inside a worker. :func:`validate` reads
every registered option once so that a typo fails at launch, naming the
file and the option.
"""

import logging
import os
from collections.abc import Sequence

from oslo_config import cfg
from oslo_log import log

from launcher import errors, opts, rpc
from launcher.definition import ServiceDefinition

PROJECT = "svc-launch"

cli_opts = [
    cfg.MultiStrOpt(
        "binary",
        default=[],
        help="Daemon to launch; repeat to run several in one launcher.",
    ),
    cfg.IntOpt(
        "workers",
        min=1,
        help="Override the worker count of every launched binary.",
    ),
    cfg.StrOpt(
        "backend",
        default="eventlet",
        choices=["eventlet", "threading"],
        help="Concurrency backend, fixed before anything else is imported.",
    ),
    cfg.BoolOpt("list", default=False, help="List every daemon found and exit."),
    cfg.BoolOpt(
        "check-config",
        default=False,
        help="Load config, definitions and paste apps, then exit 0 or 2.",
    ),
]


def new_conf() -> cfg.ConfigOpts:
    """A private ConfigOpts with the framework's options; no global CONF."""
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(cli_opts)
    opts.register(conf)
    # host is a config option that the CLI may also set.
    conf.unregister_opt(opts.core_opts[0])
    conf.register_cli_opt(opts.core_opts[0])
    log.register_options(conf)
    # alembic reports every plug-in and DDL mode at INFO on each launch.
    levels = log.get_default_log_levels()
    if "alembic=WARN" not in levels:
        log.set_defaults(default_log_levels=[*levels, "alembic=WARN"])
    rpc.register_opts(conf)
    return conf


def parse(
    conf: cfg.ConfigOpts,
    argv: Sequence[str],
    default_config_files: list[str] | None = None,
) -> cfg.ConfigOpts:
    try:
        conf(
            list(argv),
            project=PROJECT,
            prog=PROJECT,
            default_config_files=default_config_files,
            validate_default_values=True,
        )
    except cfg.ConfigFilesNotFoundError as exc:
        raise errors.ConfigError(
            f"cannot read config file(s): {', '.join(exc.config_files)}",
            "check the path and its permissions",
        ) from None
    except cfg.ConfigDirNotFoundError as exc:
        raise errors.ConfigError(
            f"config directory not found: {exc.config_dir}", "check --config-dir"
        ) from None
    except cfg.ConfigFileParseError as exc:
        raise errors.ConfigError(
            f"cannot parse config file {exc.config_file}: {exc.msg}",
            "fix the ini syntax",
        ) from None
    except cfg.Error as exc:
        raise errors.ConfigError(str(exc)) from None
    return conf


def register_definitions(
    conf: cfg.ConfigOpts, definitions: Sequence[ServiceDefinition], own: bool = True
) -> None:
    for definition in definitions:
        opts.register_definition(conf, definition, own=own)


def validate(conf: cfg.ConfigOpts) -> None:
    """Read every option once; raise ConfigError naming the bad one."""
    groups: list[str | None] = [None, *sorted(conf._groups)]
    for group in groups:
        namespace = conf if group is None else conf[group]
        for name in list(namespace):
            try:
                getattr(namespace, name)
            except (cfg.ConfigFileValueError, ValueError) as exc:
                where = f"[{group or 'DEFAULT'}] {name}"
                raise errors.ConfigError(
                    f"invalid value for {where}: {_first_line(exc)}",
                    f"fix it in {', '.join(conf.config_file) or 'the config'}",
                ) from None
            except cfg.NoSuchOptError:
                continue


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def database_connection(conf: cfg.ConfigOpts) -> str:
    """The configured database URL, or the SQLite file under state_path."""
    if conf.database.connection:
        return conf.database.connection
    path = os.path.join(os.path.abspath(conf.state_path), "svc-launch.sqlite")
    return f"sqlite:///{path}"


def setup_logging(conf: cfg.ConfigOpts) -> None:
    log.setup(conf, PROJECT)
    if conf.log_options:
        conf.log_opt_values(logging.getLogger(PROJECT), logging.DEBUG)
