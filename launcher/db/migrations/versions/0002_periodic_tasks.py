"""services.periodic_tasks: the periodic tasks' counters of each service

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("services", sa.Column("periodic_tasks", sa.Text(), nullable=True))


def downgrade() -> None:
    # batch mode: SQLite rebuilds the table, other backends ALTER it.
    with op.batch_alter_table("services") as batch:
        batch.drop_column("periodic_tasks")
