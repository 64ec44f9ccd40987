"""Load the core plugin named by ``[network] core_plugin``, as neutron does.

The name is an entry-point alias in :data:`base.NAMESPACE` (``sql``) or a
dotted class path (``pkg.module:Class`` or ``pkg.module.Class``). Any
failure is a configuration error naming the option and the cause.
"""

from typing import Any

from oslo_config import cfg
from oslo_utils import importutils
from stevedore import driver
from stevedore import exception as stevedore_exc

from launcher import errors
from services.network.plugins import base

HINT = "set [network] core_plugin to an alias in svc_launch.network.core_plugins"


def load(conf: cfg.ConfigOpts, notifier: Any = None) -> base.CorePlugin:
    """An instance of the configured plugin, built with ``conf``."""
    name = conf.network.core_plugin
    cls = _by_alias(name) or _by_path(name)
    if not (isinstance(cls, type) and issubclass(cls, base.CorePlugin)):
        raise errors.ConfigError(
            f"core_plugin {name!r} is not a CorePlugin subclass: {cls!r}", HINT
        )
    return cls(conf, notifier)


def _by_alias(name: str) -> Any:
    try:
        manager = driver.DriverManager(
            base.NAMESPACE, name, invoke_on_load=False, on_load_failure_callback=_fail
        )
    except stevedore_exc.NoMatches:
        return None
    return manager.driver


def _by_path(name: str) -> Any:
    path = name.replace(":", ".")
    if "." not in path:
        raise errors.ConfigError(f"unknown core_plugin {name!r}", HINT)
    try:
        return importutils.import_class(path)
    except (ImportError, ValueError, AttributeError) as error:
        raise errors.ConfigError(
            f"cannot import core_plugin {name!r}: {error}", HINT
        ) from None


def _fail(manager: Any, entry_point: Any, error: BaseException) -> None:
    raise errors.ConfigError(
        f"core_plugin {entry_point.name!r} failed to load: {error}", HINT
    )
