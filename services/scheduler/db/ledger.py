"""The claims ledger: exact placement across schedulers, in the shared database.

Each scheduler filters and weighs hosts in memory, as before; the ledger
only settles who gets the room. A claim is one conditional UPDATE::

    UPDATE compute_capacity SET vcpus_claimed = vcpus_claimed + :vcpus, ...
     WHERE host = :host AND vcpus_used + vcpus_claimed + :vcpus <= vcpus AND ...

plus the INSERT of a per-instance row, in one transaction. The database
serialises UPDATEs of one row (a row lock on PostgreSQL, the write lock on
SQLite) and re-checks the WHERE clause against the committed values, so
two schedulers can never both take the last room: rowcount 1 means the
claim won. A compute's report replaces ``*_used`` and, in the same
transaction, releases the claims of the instances it lists (now counted in
``*_used``) and those past ``expires_at``, so resources are never counted
in neither place.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from oslo_db import exception as db_exc
from oslo_utils import timeutils
from sqlalchemy import and_, delete, insert, or_, select, true, update
from sqlalchemy.engine import Connection

from launcher.db.api import Database
from services.scheduler.db.models import ComputeCapacity, ComputeClaim
from services.scheduler.host_state import RESOURCE_FIELDS, HostReport, Resources

_CAPACITY = ComputeCapacity.__table__
_CLAIMS = ComputeClaim.__table__


@dataclasses.dataclass(frozen=True)
class LedgerRow:
    """One host's row, for operators and tests."""

    host: str
    capacity: Resources
    used: Resources
    claimed: Resources
    claims: int

    @property
    def free(self) -> Resources:
        return self.capacity - self.used - self.claimed


def _amounts(row: Any, suffix: str) -> Resources:
    return Resources(*(getattr(row, f"{name}{suffix}") for name in RESOURCE_FIELDS))


def _fits(resources: Resources) -> list[Any]:
    """``used + claimed + request <= total`` for each resource, as SQL."""
    c = _CAPACITY.c
    return [
        c[f"{name}_used"] + c[f"{name}_claimed"] + amount <= c[name]
        for name, amount in resources.to_primitive().items()
    ]


def _add_claimed(resources: Resources, sign: int = 1) -> dict[str, Any]:
    c = _CAPACITY.c
    return {
        f"{name}_claimed": c[f"{name}_claimed"] + sign * amount
        for name, amount in resources.to_primitive().items()
    }


class ClaimLedger:
    """Claims in the database all schedulers and computes share.

    Errors surface as the launcher's DatabaseUnavailable / SchemaOutOfDate
    (both ``LaunchError``); callers decide what a failed claim means.
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    # -- schedulers ----------------------------------------------------------

    def claim(
        self,
        host: str,
        instance: str,
        resources: Resources,
        expires_at: datetime.datetime,
    ) -> bool:
        """Hold ``resources`` on ``host`` for ``instance``; False if they do not fit.

        A retried instance (same UUID) first gives back its earlier claim;
        that costs a second transaction, and only on the rare retry.
        """
        try:
            return self._claim(host, instance, resources, expires_at)
        except db_exc.DBDuplicateEntry:
            self.release([instance])
            return self._claim(host, instance, resources, expires_at)

    def _claim(
        self,
        host: str,
        instance: str,
        resources: Resources,
        expires_at: datetime.datetime,
    ) -> bool:
        statement = (
            update(_CAPACITY)
            .where(_CAPACITY.c.host == host, *_fits(resources))
            .values(**_add_claimed(resources))
        )
        with self.database.connect() as connection:
            if connection.execute(statement).rowcount != 1:
                return False
            connection.execute(
                insert(_CLAIMS).values(
                    instance_uuid=instance,
                    host=host,
                    expires_at=expires_at,
                    **resources.to_primitive(),
                )
            )
            return True

    def release(self, instances: Iterable[str]) -> int:
        """Give back the claims of ``instances`` (a request failed as a whole)."""
        wanted = list(instances)
        if not wanted:
            return 0
        with self.database.connect() as connection:
            return _release(connection, _CLAIMS.c.instance_uuid.in_(wanted))

    # -- computes ------------------------------------------------------------

    def record_report(
        self, host: str, report: HostReport, now: datetime.datetime | None = None
    ) -> bool:
        """Store a compute's report and settle the claims it answers.

        Only the compute writes its own row, one report at a time and in
        order; ``seq`` still guards against a late older report. False when
        the report was older than the stored one.
        """
        now = now or timeutils.utcnow()
        with self.database.connect() as connection:
            if not _store(connection, host, report, now):
                return False
            settled = and_(
                _CLAIMS.c.host == host,
                or_(
                    _CLAIMS.c.instance_uuid.in_(sorted(report.instances)),
                    _CLAIMS.c.expires_at <= now,
                ),
            )
            _release(connection, settled)
            return True

    # -- introspection -------------------------------------------------------

    def get(self, host: str) -> LedgerRow | None:
        with self.database.connect() as connection:
            row = connection.execute(
                select(_CAPACITY).where(_CAPACITY.c.host == host)
            ).one_or_none()
            if row is None:
                return None
            count = connection.execute(
                select(_CLAIMS.c.instance_uuid).where(_CLAIMS.c.host == host)
            ).all()
        return LedgerRow(
            host,
            _amounts(row, ""),
            _amounts(row, "_used"),
            _amounts(row, "_claimed"),
            len(count),
        )


def _release(connection: Connection, condition: Any) -> int:
    """Delete matching claims and take their sums off each host's row.

    DELETE ... RETURNING hands each row to exactly one deleter, so two
    releases of the same claim (a report and an expiry) subtract it once.
    """
    deleted = connection.execute(
        delete(_CLAIMS)
        .where(condition)
        .returning(_CLAIMS.c.host, *(_CLAIMS.c[n] for n in RESOURCE_FIELDS))
    ).all()
    per_host: dict[str, Resources] = {}
    for row in deleted:
        per_host[row.host] = per_host.get(row.host, Resources()) + _amounts(row, "")
    for host, total in sorted(per_host.items()):
        connection.execute(
            update(_CAPACITY)
            .where(_CAPACITY.c.host == host)
            .values(**_add_claimed(total, -1))
        )
    return len(deleted)


def _store(
    connection: Connection, host: str, report: HostReport, now: datetime.datetime
) -> bool:
    """UPDATE the host's row (or INSERT it); False for a stale report."""
    values = _report_values(report, now)
    updated = connection.execute(
        update(_CAPACITY)
        .where(_CAPACITY.c.host == host, _newer(report))
        .values(**values)
    )
    if updated.rowcount == 1:
        return True
    exists = connection.execute(
        select(_CAPACITY.c.host).where(_CAPACITY.c.host == host)
    ).first()
    if exists is not None:
        return False
    zero = {f"{name}_claimed": 0 for name in RESOURCE_FIELDS}
    connection.execute(insert(_CAPACITY).values(host=host, **values, **zero))
    return True


def _newer(report: HostReport) -> Any:
    """The stored report is older than ``report`` (or cannot be ordered)."""
    if report.seq is None:
        return true()
    c = _CAPACITY.c
    return or_(
        c.seq.is_(None), c.boot_id.is_distinct_from(report.boot_id), c.seq < report.seq
    )


def _report_values(report: HostReport, now: datetime.datetime) -> dict[str, Any]:
    values: dict[str, Any] = report.capacity.to_primitive()
    values.update({f"{k}_used": v for k, v in report.used.to_primitive().items()})
    values.update(boot_id=report.boot_id, seq=report.seq, updated_at=now)
    return values
