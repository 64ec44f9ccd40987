"""image registry: images, image_properties, image_tags

Revision ID: image0001
Revises:
Create Date: 2025-06-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "image0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("virtual_size", sa.BigInteger(), nullable=True),
        sa.Column("checksum", sa.String(length=32), nullable=True),
        sa.Column("os_hash_algo", sa.String(length=64), nullable=True),
        sa.Column("os_hash_value", sa.String(length=128), nullable=True),
        sa.Column("disk_format", sa.String(length=20), nullable=True),
        sa.Column("container_format", sa.String(length=20), nullable=True),
        sa.Column("min_disk", sa.Integer(), nullable=False),
        sa.Column("min_ram", sa.Integer(), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("os_hidden", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_images"),
    )
    op.create_index("ix_images_owner", "images", ["owner"])
    op.create_index("ix_images_deleted_created_at", "images", ["deleted", "created_at"])
    for table, column, length in (
        ("image_properties", "name", 255),
        ("image_tags", "value", 255),
    ):
        extra = (
            [sa.Column("value", sa.Text(), nullable=False)] if column == "name" else []
        )
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("image_id", sa.String(length=36), nullable=False),
            sa.Column(column, sa.String(length=length), nullable=False),
            *extra,
            sa.ForeignKeyConstraint(
                ["image_id"], ["images.id"], name=f"fk_{table}_image_id_images"
            ),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint(
                "image_id", column, name=f"uq_{table}_image_id_{column}"
            ),
        )
        op.create_index(f"ix_{table}_image_id", table, ["image_id"])


def downgrade() -> None:
    for table in ("image_tags", "image_properties"):
        op.drop_index(f"ix_{table}_image_id", table_name=table)
        op.drop_table(table)
    op.drop_index("ix_images_deleted_created_at", table_name="images")
    op.drop_index("ix_images_owner", table_name="images")
    op.drop_table("images")
