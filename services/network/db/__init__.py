"""neutron-server's tables, alembic tree and SQL helpers."""
