"""alembic environment for the scheduler's tree (see launcher.db.migration)."""

from launcher.db import migration

migration.run_env()
