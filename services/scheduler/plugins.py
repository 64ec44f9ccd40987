"""Load the filters or weighers a config names, loudly and specifically.

A scheduler that silently skipped a filter would place instances where the
operator said they must not go, so every problem is a ConfigError that
names the plug-in, its namespace and the option it came from: a name with
no entry point, an entry point that fails to import, or one that is not a
filter (weigher) class. Only the named entry points are imported.
"""

from collections.abc import Sequence
from importlib import metadata
from typing import Any, TypeVar

import stevedore
from oslo_config import cfg

from launcher import errors

T = TypeVar("T")


def installed(namespace: str) -> list[str]:
    """Every name registered in ``namespace``, without importing anything."""
    return sorted({ep.name for ep in metadata.entry_points(group=namespace)})


def load(
    conf: cfg.ConfigOpts,
    namespace: str,
    names: Sequence[str],
    base: type[T],
    option: str,
) -> list[T]:
    """Instantiate ``names`` (in that order) from ``namespace`` with ``conf``."""
    missing: list[str] = []
    broken: dict[str, str] = {}

    def on_failure(manager: object, entry_point: Any, exc: Exception) -> None:
        broken[entry_point.name] = (
            f"{entry_point.value} failed to load: {type(exc).__name__}: {exc}"
        )

    manager = stevedore.NamedExtensionManager(
        namespace,
        names=list(names),
        name_order=True,
        invoke_on_load=False,
        on_load_failure_callback=on_failure,
        on_missing_entrypoints_callback=missing.extend,
    )
    _check(namespace, option, missing, broken)
    return [_instantiate(conf, ext, base, namespace) for ext in manager.extensions]


def _check(
    namespace: str, option: str, missing: list[str], broken: dict[str, str]
) -> None:
    # stevedore reports a name that failed to import as missing, too.
    for name, reason in sorted(broken.items()):
        raise errors.ConfigError(
            f"{option} names {name!r} in {namespace}: {reason}",
            "fix or uninstall the package that provides it",
        )
    if missing:
        known = ", ".join(installed(namespace)) or "none installed"
        raise errors.ConfigError(
            f"{option} names {', '.join(sorted(missing))}, not found in "
            f"entry point namespace {namespace}",
            f"installed: {known}",
        )


def _instantiate(
    conf: cfg.ConfigOpts,
    ext: stevedore.extension.Extension,
    base: type[T],
    namespace: str,
) -> T:
    plugin = ext.plugin
    if not (isinstance(plugin, type) and issubclass(plugin, base)):
        raise errors.ConfigError(
            f"{ext.name!r} in {namespace} ({ext.entry_point.value}) is not a "
            f"{base.__module__}.{base.__qualname__} subclass"
        )
    return plugin(conf)
