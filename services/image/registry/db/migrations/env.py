"""alembic environment for the image registry's tree (see launcher.db.migration)."""

from launcher.db import migration

migration.run_env()
