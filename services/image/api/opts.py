"""glance-api's options (``ServiceDefinition.options``)."""

from collections.abc import Iterable

from oslo_config import cfg

from services.image.common import auth
from services.image.store import filesystem

GROUP = "image"
REGISTRY_GROUP = "image_registry_client"

image_opts = [
    cfg.StrOpt(
        "default_store",
        default="file",
        help="Store driver for image data: an entry point name in the "
        "svc_launch.image.stores namespace.",
    ),
    cfg.IntOpt(
        "chunk_size",
        default=64 * 1024,
        min=4096,
        help="Bytes read from the request (upload) or the store (download) at "
        "a time; what one transfer holds in memory.",
    ),
    cfg.IntOpt(
        "image_size_cap",
        default=1024**4,
        min=1,
        help="Largest image accepted, in bytes; larger uploads get 413.",
    ),
    cfg.IntOpt(
        "limit_max",
        default=1000,
        min=1,
        help="Largest page of images a list request returns.",
    ),
    cfg.IntOpt(
        "limit_default",
        default=25,
        min=1,
        help="Page size when a list request sets no limit.",
    ),
    cfg.IntOpt(
        "stale_upload_age",
        default=3600,
        min=60,
        help="A partial upload file untouched for this many seconds is "
        "removed by a periodic task (left behind by a killed worker).",
    ),
]

registry_client_opts = [
    cfg.URIOpt(
        "registry_url",
        default="http://127.0.0.1:9191",
        schemes=["http", "https"],
        help="Base URL of glance-registry.",
    ),
    cfg.FloatOpt("connect_timeout", default=5.0, min=0.1, help="Seconds to connect."),
    cfg.FloatOpt(
        "read_timeout", default=30.0, min=0.1, help="Seconds to wait for an answer."
    ),
    cfg.IntOpt(
        "retries",
        default=2,
        min=0,
        help="Retries of an idempotent call (GET, PUT, DELETE) after a "
        "connection error.",
    ),
    cfg.IntOpt(
        "pool_size",
        default=16,
        min=1,
        help="Keep-alive connections to the registry per worker.",
    ),
]


def list_opts() -> Iterable[tuple[str | None, list[cfg.Opt]]]:
    return [
        (GROUP, image_opts),
        (REGISTRY_GROUP, registry_client_opts),
        *filesystem.list_opts(),
        *auth.list_opts(),
    ]
