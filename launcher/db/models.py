"""ORM model of the ``services`` table, on the launcher's own MetaData.

Bundled daemons get their own models and alembic trees later; keeping a
private declarative base here means their tables never leak into this
schema's metadata, so comparing models with migrations stays exact.
"""

import datetime

from oslo_utils import timeutils
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints make later ALTERs (and SQLite batch migrations) possible.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utcnow() -> datetime.datetime:
    # Naive UTC, as oslo.db stores timestamps; a function so that
    # oslo_utils' time override works in tests.
    return timeutils.utcnow()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ServiceRecord(Base):
    """One running binary on one host, as its heartbeat last reported it.

    Timestamps are plain columns rather than oslo.db's TimestampMixin:
    that mixin sets ``updated_at`` on *every* UPDATE, so disabling or
    deleting a dead service would make it look alive again. Only the
    heartbeat writes ``updated_at`` here.
    """

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint(
            "host", "binary", "deleted", name="uniq_services0host0binary0deleted"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str | None] = mapped_column(String(255))
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, default=_utcnow
    )
    updated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # oslo.db soft delete: 0 while live, the row's id once deleted, so that
    # the unique constraint allows a new live row for the same host/binary.
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    # The periodic tasks' counters as of the last heartbeat: a JSON object
    # keyed by task name (see launcher.periodic.PeriodicRunner.status), or
    # NULL for a service that runs none. Text, not JSON: the same on every
    # backend, and only the launcher reads it.
    periodic_tasks: Mapped[str | None] = mapped_column(Text)
