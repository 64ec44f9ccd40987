"""The SQL plugin's connection handling: transactions, retries, error mapping.

The plugin's :class:`launcher.db.api.Database` has its own enginefacade
context (with SQLite foreign keys on, so integrity holds on both
backends). Each public plugin call is one transaction.
"""

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from oslo_config import cfg
from oslo_db import exception as db_exc
from sqlalchemy.engine import Connection

from launcher import config
from launcher.db.api import Database

T = TypeVar("T")

_POOL_OPTIONS = ("max_pool_size", "max_overflow", "pool_timeout")


def database(conf: cfg.ConfigOpts) -> Database:
    """The plugin's database: the service's [database], SQLite FKs enforced."""
    options = {name: conf.database[name] for name in _POOL_OPTIONS}
    return Database(config.database_connection(conf), sqlite_fk=True, **options)


class Store:
    """Runs plugin operations in transactions, retrying lost races."""

    def __init__(self, db: Database, max_retries: int) -> None:
        self.db = db
        self.max_retries = max_retries

    @contextlib.contextmanager
    def transaction(self, write: bool = True) -> Iterator[Connection]:
        with self.db.connect() as connection:
            if write and connection.dialect.name == "sqlite":
                _take_write_lock(connection)
            yield connection

    def run(self, work: Callable[[Connection], T]) -> T:
        """``work`` in a write transaction."""
        with self.transaction() as connection:
            return work(connection)

    def read(self, work: Callable[[Connection], T]) -> T:
        """``work`` in a transaction that only reads."""
        with self.transaction(write=False) as connection:
            return work(connection)

    def retrying(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a fresh transaction until no unique key trips.

        A DBDuplicateEntry here means a concurrent transaction committed the
        same address (or MAC) first: progress was made elsewhere, so
        retrying with the database's new state converges. A deadlock is
        retried the same way.
        """
        for attempt in range(self.max_retries):
            try:
                return self.run(work)
            except (db_exc.DBDuplicateEntry, db_exc.DBDeadlock):
                if attempt + 1 == self.max_retries:
                    raise
                time.sleep(random.uniform(0, 0.002 * attempt))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.db.dispose()


def _take_write_lock(connection: Connection) -> None:
    """Make a SQLite transaction a writer before it reads anything.

    oslo.db opens SQLite transactions with a deferred BEGIN. A transaction
    that reads, then writes, holds a SHARED lock when it asks for the
    write lock; if another writer is waiting, SQLite answers "database is
    locked" at once instead of waiting (it would deadlock). A no-op UPDATE
    first takes the RESERVED lock while nothing is held, so the busy
    timeout applies and writers simply queue, as BEGIN IMMEDIATE would.
    """
    connection.exec_driver_sql("UPDATE agents SET id = id WHERE 0 = 1")
