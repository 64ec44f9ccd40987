"""claims ledger: compute_capacity and compute_claims

Revision ID: sched0001
Revises:
Create Date: 2025-06-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sched0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESOURCES = ("vcpus", "memory_mb", "disk_gb")


def upgrade() -> None:
    op.create_table(
        "compute_capacity",
        sa.Column("host", sa.String(length=255), nullable=False),
        *(
            sa.Column(f"{r}{s}", sa.Integer(), nullable=False)
            for s in ("", "_used", "_claimed")
            for r in RESOURCES
        ),
        sa.Column("boot_id", sa.String(length=36), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("host", name="pk_compute_capacity"),
    )
    op.create_table(
        "compute_claims",
        sa.Column("instance_uuid", sa.String(length=36), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        *(sa.Column(r, sa.Integer(), nullable=False) for r in RESOURCES),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("instance_uuid", name="pk_compute_claims"),
    )
    op.create_index("ix_compute_claims_host", "compute_claims", ["host"])


def downgrade() -> None:
    op.drop_index("ix_compute_claims_host", table_name="compute_claims")
    op.drop_table("compute_claims")
    op.drop_table("compute_capacity")
