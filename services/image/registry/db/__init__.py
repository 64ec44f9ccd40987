"""The image metadata tables, their alembic tree and the repository over them."""
