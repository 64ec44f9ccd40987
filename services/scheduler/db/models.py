"""ORM models of the claims ledger, on the scheduler's own MetaData.

A private declarative base keeps these tables out of the launcher's
metadata (and the launcher's out of ours), so each alembic tree compares
its models with its own migrations only.
"""

import datetime

from sqlalchemy import DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from launcher.db.models import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ComputeCapacity(Base):
    """One compute host: what it has, what it last reported used, what is claimed.

    Written by the compute (capacity and usage, with each report) and by
    schedulers (the ``*_claimed`` sums, by conditional UPDATE only). The
    claim check is ``used + claimed + request <= total`` in one statement,
    so the row is the one place where schedulers serialise.
    """

    __tablename__ = "compute_capacity"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    disk_gb: Mapped[int] = mapped_column(Integer)
    vcpus_used: Mapped[int] = mapped_column(Integer)
    memory_mb_used: Mapped[int] = mapped_column(Integer)
    disk_gb_used: Mapped[int] = mapped_column(Integer)
    vcpus_claimed: Mapped[int] = mapped_column(Integer)
    memory_mb_claimed: Mapped[int] = mapped_column(Integer)
    disk_gb_claimed: Mapped[int] = mapped_column(Integer)
    # The compute's report ordering, so a late report cannot undo a newer one.
    boot_id: Mapped[str | None] = mapped_column(String(36))
    seq: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)


class ComputeClaim(Base):
    """Resources held for one instance until a report counts it, or expiry.

    One row per instance, so that a report can release exactly the claims
    of the instances it lists.
    """

    __tablename__ = "compute_claims"

    instance_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    disk_gb: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime)
