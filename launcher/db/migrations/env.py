"""alembic environment for the launcher's tree.

alembic executes this file when it migrates; importing the launcher never
does. It runs on the connection that :mod:`launcher.db.migration` puts in
``config.attributes``, so URL handling, error translation and SQLite setup
are the same as for the services API. Plug-in trees' env.py files are the
same two lines.
"""

from launcher.db import migration

migration.run_env()
