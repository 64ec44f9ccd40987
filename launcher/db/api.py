"""Read and write the ``services`` table through oslo.db's enginefacade.

Each :class:`Database` owns a private transaction context: several may
live in one process (tests, a launcher supervising daemons with different
URLs), and oslo.db's module-global context can be configured only once.
The engine is built on first use, never at construction, so an object made
before fork opens no connection in the parent.

Callers see two kinds of failure: :class:`launcher.errors.DatabaseUnavailable`
for what may pass on its own (server down, locked file, bad URL) and that a
heartbeat loop should retry, and :class:`SchemaOutOfDate` or
:class:`ServiceNotFound` for what will not.
"""

import contextlib
import dataclasses
import datetime
import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
from sqlalchemy import ColumnElement, and_, insert, select, text, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session

from launcher import errors
from launcher.db.models import ServiceRecord

UNAVAILABLE_HINT = "check [database] connection and that the server is running"
REASON_MAX = 255

# [database] options handed to the engine by from_conf(); the retry options
# are left out on purpose (see Database.__init__).
_CONF_ENGINE_OPTIONS = (
    "connection_recycle_time",
    "connection_debug",
    "connection_trace",
    "connection_parameters",
    "max_pool_size",
    "max_overflow",
    "pool_timeout",
    "sqlite_synchronous",
    "mysql_sql_mode",
)

# PostgreSQL SQLSTATEs and SQLite messages meaning "not migrated (yet)".
_PG_SCHEMA_CODES = {"42P01", "42703"}  # undefined_table, undefined_column
_SQLITE_SCHEMA_RE = re.compile(r"no such (table|column)|has no column named")


@dataclasses.dataclass(frozen=True)
class ServiceRow:
    """A snapshot of one live service row, safe to keep after the session."""

    host: str
    binary: str
    topic: str | None
    report_count: int
    disabled: bool
    disabled_reason: str | None
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    # Per-task counters as of the last heartbeat, keyed by task name; None
    # for a service that runs no periodic tasks.
    periodic_tasks: dict[str, Any] | None = dataclasses.field(
        default=None, kw_only=True, hash=False
    )

    @classmethod
    def of(cls, record: ServiceRecord) -> "ServiceRow":
        return cls(
            host=record.host,
            binary=record.binary,
            topic=record.topic,
            report_count=record.report_count,
            disabled=record.disabled,
            disabled_reason=record.disabled_reason,
            created_at=record.created_at,
            updated_at=record.updated_at,
            periodic_tasks=_load_tasks(record.periodic_tasks),
        )


def _load_tasks(stored: str | None) -> dict[str, Any] | None:
    """The stored counters; None when absent or unreadable (never fatal)."""
    if not stored:
        return None
    try:
        tasks = json.loads(stored)
    except ValueError:
        return None
    return tasks if isinstance(tasks, dict) else None


def _dump_tasks(tasks: Mapping[str, Any] | None) -> str | None:
    if tasks is None:
        return None
    return json.dumps(tasks, sort_keys=True, default=str)


class ServiceNotFound(errors.LaunchError, LookupError):
    """No live row for this host and binary."""

    def __init__(self, host: str, binary: str) -> None:
        self.host = host
        self.binary = binary
        super().__init__(
            f"no service {binary} registered on host {host}",
            "check the host and binary against the service list",
        )


class SchemaOutOfDate(errors.LaunchError):
    """The database answers but lacks the launcher's tables or columns.

    Not transient: retrying will not help until the migrations run.
    """


class _Context:
    """A throwaway request context for enginefacade.

    enginefacade keeps its per-thread transaction state on the context
    object; a new one per call means nothing is shared between calls.
    """


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***``, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        # Not parseable: hide whatever sits between the last ':' and '@'.
        return re.sub(r"(?<=:)[^:@/]+(?=@)", "***", url)


def _password(url: str) -> str | None:
    try:
        return make_url(url).password
    except sa_exc.ArgumentError:
        return None


def _reason(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's decorations."""
    inner = getattr(exc, "inner_exception", None) or exc  # oslo.db wrapper
    orig = getattr(inner, "orig", None) or inner  # SQLAlchemy wrapper
    lines = str(orig).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(orig).__name__


def _is_schema_error(exc: BaseException) -> bool:
    if isinstance(exc, db_exc.DBNonExistentTable):
        return True
    inner = getattr(exc, "inner_exception", None) or exc
    orig = getattr(inner, "orig", None)
    if getattr(orig, "pgcode", None) in _PG_SCHEMA_CODES:
        return True
    return bool(_SQLITE_SCHEMA_RE.search(str(orig or "")))


def _sqlite_dir(url: str) -> str | None:
    """The directory a SQLite file URL points into, if any."""
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        return None
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return None
    if not path or path == ":memory:":
        return None
    return os.path.dirname(os.path.abspath(path))


def _live(host: str, binary: str) -> ColumnElement[bool]:
    return and_(
        ServiceRecord.host == host,
        ServiceRecord.binary == binary,
        ServiceRecord.deleted == 0,
    )


def _find(session: Session, host: str, binary: str) -> ServiceRecord | None:
    query = select(ServiceRecord).where(_live(host, binary))
    return session.execute(query).scalar_one_or_none()


def _update_live(session: Session, host: str, binary: str, **values: Any) -> bool:
    """UPDATE the live row; False when there is none."""
    statement = (
        update(ServiceRecord)
        .where(_live(host, binary))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount > 0


# Errors that may pass on their own; a heartbeat loop retries these.
_TRANSIENT = (
    db_exc.DBConnectionError,
    db_exc.DBNonExistentDatabase,
    db_exc.DBDeadlock,
    sa_exc.OperationalError,
)


def _require(session: Session, host: str, binary: str) -> ServiceRecord:
    record = _find(session, host, binary)
    if record is None:  # deleted by someone else within our transaction
        raise ServiceNotFound(host, binary)
    return record


class Database:
    """The launcher's database, behind a private oslo.db transaction context."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        """Configure, but do not open, a database at ``url``.

        ``engine_options`` are enginefacade options (``max_pool_size``,
        ``sqlite_synchronous``...). ``max_retries`` defaults to 0: oslo.db
        would otherwise block up to 10 x 10 s on the first connection, while
        callers here want to fail fast and retry on their own schedule.
        """
        self._url = url
        self._pid: int | None = None
        self._ctx = enginefacade.transaction_context()
        self._ctx.configure(connection=url, **{"max_retries": 0, **engine_options})

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> "Database":
        """The database named by ``conf``, with its [database] pool options."""
        from launcher import config

        options = {name: conf.database[name] for name in _CONF_ENGINE_OPTIONS}
        return cls(config.database_connection(conf), **options)

    def __repr__(self) -> str:
        return f"Database({mask_url(self._url)!r})"

    @property
    def masked_url(self) -> str:
        return mask_url(self._url)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, built on first access; for inspection and tools."""
        with self._translate():
            return self._start()

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A Core connection in one transaction, committed on clean exit.

        For migrations: errors inside the block are translated like those
        of the methods below.
        """
        with self._translate():
            self._start()
            with self._ctx.writer.connection.using(_Context()) as connection:
                yield connection

    def heartbeat(
        self,
        host: str,
        binary: str,
        topic: str | None,
        periodic_tasks: Mapping[str, Any] | None = None,
    ) -> ServiceRow:
        """Record that ``binary`` on ``host`` is alive; create its row if new.

        ``periodic_tasks`` (the periodic runner's status) replaces the
        stored counters; None clears them. UPDATE comes first so the common
        case is one statement, and so that SQLite takes its write lock
        before reading. Two workers of a new service may both miss the row
        and both INSERT; the loser gets DBDuplicateEntry once the winner
        commits, and then simply updates.
        """
        tasks = _dump_tasks(periodic_tasks)
        with self._translate():
            try:
                return self._report(host, binary, topic, tasks)
            except db_exc.DBDuplicateEntry:
                return self._report(host, binary, topic, tasks)

    def list_services(self) -> list[ServiceRow]:
        """Every live service, ordered by host then binary."""
        query = (
            select(ServiceRecord)
            .where(ServiceRecord.deleted == 0)
            .order_by(ServiceRecord.host, ServiceRecord.binary)
        )
        with self._translate(), self._reader() as session:
            return [ServiceRow.of(r) for r in session.execute(query).scalars()]

    def get_service(self, host: str, binary: str) -> ServiceRow | None:
        """The live row for ``binary`` on ``host``, or None."""
        with self._translate(), self._reader() as session:
            record = _find(session, host, binary)
            return ServiceRow.of(record) if record is not None else None

    def set_disabled(
        self, host: str, binary: str, disabled: bool, reason: str | None = None
    ) -> ServiceRow:
        """Disable or enable a service; enabling clears the reason.

        ``updated_at`` is left alone: it means "last heartbeat", and an
        operator's change must not make a dead service look alive.
        """
        if reason is not None and len(reason) > REASON_MAX:
            raise ValueError(f"disabled reason is longer than {REASON_MAX} chars")
        values = {"disabled": disabled, "disabled_reason": reason if disabled else None}
        with self._translate(), self._writer() as session:
            if not _update_live(session, host, binary, **values):
                raise ServiceNotFound(host, binary)
            return ServiceRow.of(_require(session, host, binary))

    def delete_service(self, host: str, binary: str) -> None:
        """Soft-delete the row (oslo.db style: ``deleted`` takes the id).

        The row stays for history; a later heartbeat from the same binary
        creates a fresh row, which the unique constraint allows.
        """
        values = {"deleted": ServiceRecord.id, "deleted_at": timeutils.utcnow()}
        with self._translate(), self._writer() as session:
            if not _update_live(session, host, binary, **values):
                raise ServiceNotFound(host, binary)

    def ping(self) -> None:
        """Run ``SELECT 1`` so the CLI can fail fast on a bad URL or dead server."""
        with self._translate(), self._reader() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Drop pooled connections; the engine reconnects on next use.

        In a forked child the pooled connections belong to the parent:
        closing them would send the server a terminate message on the
        parent's sockets. So a child only forgets them (``close=False``).
        """
        if not self._ctx.is_started:
            return
        engine = self._ctx.writer.get_engine()
        engine.dispose(close=os.getpid() == self._pid)
        self._pid = os.getpid()

    def _report(
        self, host: str, binary: str, topic: str | None, tasks: str | None
    ) -> ServiceRow:
        now = timeutils.utcnow()
        with self._writer() as session:
            bumped = _update_live(
                session,
                host,
                binary,
                report_count=ServiceRecord.report_count + 1,
                updated_at=now,
                topic=topic,
                periodic_tasks=tasks,
            )
            if not bumped:
                session.execute(
                    insert(ServiceRecord).values(
                        host=host,
                        binary=binary,
                        topic=topic,
                        report_count=1,
                        disabled=False,
                        created_at=now,
                        deleted=0,
                        periodic_tasks=tasks,
                    )
                )
            return ServiceRow.of(_require(session, host, binary))

    def _start(self) -> Engine:
        if not self._ctx.is_started:
            self._make_sqlite_dir()
            try:
                self._ctx.writer.get_engine()
            except ImportError as exc:  # the URL names a driver not installed
                raise self._unavailable(exc) from exc
            self._pid = os.getpid()
        return self._ctx.writer.get_engine()

    def _make_sqlite_dir(self) -> None:
        directory = _sqlite_dir(self._url)
        if directory is None:
            return
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as exc:
            raise self._unavailable(exc) from exc

    @contextlib.contextmanager
    def _writer(self) -> Iterator[Session]:
        self._start()
        with self._ctx.writer.using(_Context()) as session:
            yield session

    @contextlib.contextmanager
    def _reader(self) -> Iterator[Session]:
        self._start()
        with self._ctx.reader.using(_Context()) as session:
            yield session

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        """Turn driver errors into the launcher's one-line errors."""
        try:
            yield
        except (db_exc.DBError, sa_exc.DBAPIError) as exc:
            if _is_schema_error(exc):
                raise self._schema_out_of_date(exc) from exc
            if isinstance(exc, _TRANSIENT):
                raise self._unavailable(exc) from exc
            raise
        except (sa_exc.ArgumentError, sa_exc.TimeoutError) as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: BaseException) -> errors.DatabaseUnavailable:
        reason = _reason(exc)
        password = _password(self._url)
        if password:
            reason = reason.replace(password, "***")
        return errors.DatabaseUnavailable(
            f"cannot reach database {self.masked_url}: {reason}", UNAVAILABLE_HINT
        )

    def _schema_out_of_date(self, exc: BaseException) -> SchemaOutOfDate:
        return SchemaOutOfDate(
            f"database {self.masked_url} is not migrated: {_reason(exc)}",
            "run: svc-launch db sync",
        )
