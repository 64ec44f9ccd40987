"""The scheduler's alembic tree, as the ``svc_launch.migrations`` entry point."""

import os

from launcher.db.migration import Tree
from services.scheduler.db import models

VERSION_TABLE = "svc_scheduler_alembic_version"
SCRIPT_LOCATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")

TREE = Tree("nova_scheduler", SCRIPT_LOCATION, VERSION_TABLE, models.Base.metadata)
