"""glance-registry's manager: the periodic purge of soft-deleted images."""

import datetime
from typing import Any

from oslo_log import log as logging
from oslo_utils import timeutils

from launcher import config
from launcher.db.api import Database
from launcher.manager import Manager, periodic
from services.image.registry.db.api import ImageRepo
from services.image.registry.opts import GROUP

LOG = logging.getLogger(__name__)


class RegistryManager(Manager):
    """Keeps the images table small; the API itself is the paste app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_periodic_spacing(purge_deleted=self.conf[GROUP].purge_interval)
        self._database: Database | None = None

    @property
    def repo(self) -> ImageRepo:
        if self._database is None:  # in the worker, on first use
            self._database = Database(config.database_connection(self.conf))
        return ImageRepo(self._database)

    @periodic(spacing=3600, run_immediately=True)
    def purge_deleted(self, context: Any) -> int:
        """Remove rows soft-deleted more than ``purge_age`` seconds ago."""
        options = self.conf[GROUP]
        cutoff = timeutils.utcnow() - datetime.timedelta(seconds=options.purge_age)
        purged = self.repo.purge(cutoff, options.purge_batch_size)
        if purged:
            LOG.info("purged %d image rows deleted before %s", purged, cutoff)
        return purged

    def cleanup_host(self) -> None:
        if self._database is not None:
            self._database.dispose()
