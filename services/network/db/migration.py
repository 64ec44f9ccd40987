"""neutron-server's alembic tree, as the ``svc_launch.migrations`` entry point."""

import os

from launcher.db.migration import Tree
from services.network.db import models

VERSION_TABLE = "svc_network_alembic_version"
SCRIPT_LOCATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")

TREE = Tree("neutron_server", SCRIPT_LOCATION, VERSION_TABLE, models.metadata)
