"""``[app:apiv2]``: glance-api's route table over the v2 controllers.

The factory runs in the launcher's parent (to fail fast) and again on
SIGHUP; it opens nothing: the registry session and the store's files are
used first inside a worker.
"""

from typing import Any

from oslo_config import cfg

from launcher.wsgi.app import conf_from_global
from services.image.api.opts import GROUP, REGISTRY_GROUP
from services.image.api.registry_client import RegistryClient
from services.image.api.v2 import versions
from services.image.api.v2.image_data import ImageDataController
from services.image.api.v2.images import ImagesController
from services.image.common.routing import Router
from services.image.store import loader

IMAGE = "/v2/images/{image_id}"


def app_factory(global_conf: dict[str, Any], **local_conf: str) -> Router:
    return build(conf_from_global(global_conf))


def build(conf: cfg.ConfigOpts, registry: RegistryClient | None = None) -> Router:
    """The v2 app; tests pass their own ``registry`` client."""
    options = conf[GROUP]
    registry = registry or RegistryClient(conf[REGISTRY_GROUP])
    store = loader.load(conf, options.default_store, options.chunk_size)
    images = ImagesController(options, registry, store)
    data = ImageDataController(options, registry, store)
    return Router(
        [
            ("GET", "/", versions.root),
            ("GET", "/versions", versions.versions),
            ("GET", "/v2/schemas/image", versions.image_schema),
            ("GET", "/v2/schemas/images", versions.images_schema),
            ("GET", "/v2/images", images.index),
            ("POST", "/v2/images", images.create),
            ("GET", IMAGE, images.show),
            ("PATCH", IMAGE, images.update),
            ("DELETE", IMAGE, images.delete),
            ("PUT", IMAGE + "/file", data.upload),
            ("GET", IMAGE + "/file", data.download),
            ("PUT", IMAGE + "/tags/{tag}", images.add_tag),
            ("DELETE", IMAGE + "/tags/{tag}", images.remove_tag),
        ]
    )
