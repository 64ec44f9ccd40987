"""glance-registry's options (``ServiceDefinition.options``)."""

from collections.abc import Iterable

from oslo_config import cfg

from services.image.common import auth

GROUP = "image_registry"

registry_opts = [
    cfg.IntOpt(
        "limit_max",
        default=1000,
        min=1,
        help="Largest page of images one list request returns.",
    ),
    cfg.IntOpt(
        "limit_default",
        default=25,
        min=1,
        help="Page size when a list request sets no limit.",
    ),
    cfg.IntOpt(
        "purge_age",
        default=7 * 24 * 3600,
        min=0,
        help="Seconds a soft-deleted image row is kept before the periodic "
        "purge removes it, with its properties and tags.",
    ),
    cfg.IntOpt(
        "purge_interval",
        default=3600,
        min=1,
        help="Spacing, in seconds, of the purge task.",
    ),
    cfg.IntOpt(
        "purge_batch_size",
        default=1000,
        min=1,
        help="Most rows one purge run removes, so a backlog never holds a long lock.",
    ),
]


def list_opts() -> Iterable[tuple[str | None, list[cfg.Opt]]]:
    return [(GROUP, registry_opts), *auth.list_opts()]
