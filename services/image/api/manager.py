"""glance-api's manager: removes partial uploads a killed worker left behind.

A failed upload deletes its own temp file; only a worker killed mid-upload
leaves one, and it is recognisable by its age (live uploads keep writing).
"""

from typing import Any

from oslo_log import log as logging

from launcher.manager import Manager, periodic
from services.image.api.opts import GROUP
from services.image.store import loader

LOG = logging.getLogger(__name__)


class ImageApiManager(Manager):
    """The API is the paste app; this runs its housekeeping."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = self.conf[GROUP]
        self.set_periodic_spacing(
            remove_stale_uploads=max(60, options.stale_upload_age // 4)
        )

    @periodic(spacing=900, run_immediately=True)
    def remove_stale_uploads(self, context: Any) -> int:
        options = self.conf[GROUP]
        store = loader.load(self.conf, options.default_store, options.chunk_size)
        removed = store.remove_stale(options.stale_upload_age)
        if removed:
            LOG.warning("removed %d stale partial uploads", removed)
        return removed
