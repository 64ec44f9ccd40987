"""The image registry's alembic tree, as the ``svc_launch.migrations`` entry point."""

import os

from launcher.db.migration import Tree
from services.image.registry.db import models

VERSION_TABLE = "svc_image_alembic_version"
SCRIPT_LOCATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")

TREE = Tree("glance_registry", SCRIPT_LOCATION, VERSION_TABLE, models.Base.metadata)
