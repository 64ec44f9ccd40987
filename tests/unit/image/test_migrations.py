"""The registry's alembic tree matches its models and is found by db sync."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from launcher.db import migration
from launcher.db.api import Database
from services.image.registry.db.migration import TREE


def test_tree_is_registered_and_reaches_head(tmp_path):
    assert TREE.name in [t.name for t in migration.trees()]
    database = Database(f"sqlite:///{tmp_path}/db.sqlite")
    try:
        migration.upgrade(database)
        assert migration.current(database, TREE) == migration.head(TREE)
        with database.connect() as connection:
            context = MigrationContext.configure(
                connection, opts=TREE.context_options()
            )
            assert compare_metadata(context, TREE.metadata) == []
    finally:
        database.dispose()
