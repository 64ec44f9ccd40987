"""ORM models of the image registry, on the registry's own MetaData.

A private declarative base keeps these tables out of the launcher's
metadata, so each alembic tree compares its models with its own
migrations only. Rows are soft-deleted (``deleted``, ``deleted_at``) and
purged later by the registry's periodic task.
"""

import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from launcher.db.models import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Image(Base):
    """One image's core attributes and where its data is stored."""

    __tablename__ = "images"
    __table_args__ = (Index("ix_images_deleted_created_at", "deleted", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(30))
    visibility: Mapped[str] = mapped_column(String(20))
    size: Mapped[int | None] = mapped_column(BigInteger)
    virtual_size: Mapped[int | None] = mapped_column(BigInteger)
    checksum: Mapped[str | None] = mapped_column(String(32))
    os_hash_algo: Mapped[str | None] = mapped_column(String(64))
    os_hash_value: Mapped[str | None] = mapped_column(String(128))
    disk_format: Mapped[str | None] = mapped_column(String(20))
    container_format: Mapped[str | None] = mapped_column(String(20))
    min_disk: Mapped[int] = mapped_column(Integer)
    min_ram: Mapped[int] = mapped_column(Integer)
    protected: Mapped[bool] = mapped_column(Boolean)
    os_hidden: Mapped[bool] = mapped_column(Boolean)
    owner: Mapped[str | None] = mapped_column(String(255), index=True)
    # The store's URI of the data; internal, never shown by glance-api.
    location: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    deleted: Mapped[bool] = mapped_column(Boolean)


class ImageProperty(Base):
    """A custom (string) property; removed for good when unset."""

    __tablename__ = "image_properties"
    __table_args__ = (UniqueConstraint("image_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("images.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text)


class ImageTag(Base):
    """One tag of an image."""

    __tablename__ = "image_tags"
    __table_args__ = (UniqueConstraint("image_id", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("images.id"), index=True
    )
    value: Mapped[str] = mapped_column(String(255))
