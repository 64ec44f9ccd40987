"""alembic environment for neutron-server's tree (see launcher.db.migration)."""

from launcher.db import migration

migration.run_env()
