"""Load the configured store driver through stevedore, failing loudly."""

from oslo_config import cfg
from stevedore import driver
from stevedore import exception as stevedore_exc

from launcher import errors
from services.image.store.base import Store

NAMESPACE = "svc_launch.image.stores"


def load(conf: cfg.ConfigOpts, name: str, chunk_size: int) -> Store:
    """The driver ``name``, built with ``conf``; a ConfigError names it otherwise."""
    try:
        manager = driver.DriverManager(
            NAMESPACE,
            name,
            invoke_on_load=True,
            invoke_args=(conf, chunk_size),
            on_load_failure_callback=_reraise,
        )
    except stevedore_exc.NoMatches:
        raise errors.ConfigError(
            f"unknown image store {name!r} (namespace {NAMESPACE})",
            "set [image] default_store to an installed store, e.g. file",
        ) from None
    store = manager.driver
    if not isinstance(store, Store):
        raise errors.ConfigError(f"image store {name!r} is not a Store: {store!r}")
    return store


def _reraise(manager: object, entry_point: object, exc: BaseException) -> None:
    raise errors.ConfigError(f"cannot load image store {entry_point}: {exc}") from exc
