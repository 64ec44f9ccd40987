"""alembic environment for the launcher's tree.

alembic executes this file when it migrates; importing the launcher never
does. It runs on the connection that :mod:`launcher.db.migration` puts in
``config.attributes``, so URL handling, error translation and SQLite setup
are the same as for the services API.
"""

from alembic import context

from launcher.db import migration


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run the launcher's migrations through launcher.db.migration, "
            "which passes a connection; there is no alembic.ini"
        )
    context.configure(connection=connection, **migration.context_options())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")
run_online()
