"""The services table and the scheduler's claims ledger on a real PostgreSQL.

A throwaway database per module (dropped at teardown); inside it, a schema
per test, selected through the connection's search_path, so that each test
starts from an empty database as the SQLite tests do. The server is
required: when it is unreachable these tests fail, they do not skip.
"""

import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from launcher import errors
from launcher.db import migration
from launcher.db.api import Database
from tests.unit.scheduler.test_ledger import LedgerContract
from tests.unit.test_db import DatabaseContract

pytestmark = pytest.mark.functional

ADMIN_URL = os.environ.get(
    "SVC_LAUNCH_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="module")
def admin():
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL is required by the functional tests and is not reachable "
            f"at {make_url(ADMIN_URL).render_as_string(hide_password=True)}: "
            f"{str(getattr(exc, 'orig', exc)).strip().splitlines()[0]} "
            f"(start it, or point SVC_LAUNCH_PG_ADMIN_URL at one)",
            pytrace=False,
        )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def database_url(admin):
    name = f"svc_launch_test_{uuid.uuid4().hex}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(ADMIN_URL).set(database=name)
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def in_schema(database_url, schema: str) -> str:
    """A URL whose connections see ``schema`` as the default schema."""
    base = database_url.render_as_string(hide_password=False)
    return f"{base}?options={quote(f'-csearch_path={schema}')}"


def fresh_schema(database_url) -> str:
    """A URL on a new, empty schema of the module's database."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return in_schema(database_url, schema)


class TestLedgerPostgres(LedgerContract):
    """Claims race on row locks here, not on SQLite's one write lock."""

    @pytest.fixture
    def url(self, database_url):
        return fresh_schema(database_url)


class TestPostgres(DatabaseContract):
    @pytest.fixture
    def url(self, database_url):
        return fresh_schema(database_url)

    def test_forked_child_leaves_parent_connection_alone(self, migrated):
        # A child that closed the inherited pooled connection would send the
        # server a terminate message on the parent's socket; pre-ping would
        # then hide it by reconnecting, so compare backend pids.
        def backend_pid() -> int:
            with migrated.connect() as connection:
                return connection.execute(text("SELECT pg_backend_pid()")).scalar()

        before = backend_pid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 1
            try:
                migrated.dispose()
                code = 0 if backend_pid() != before else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert backend_pid() == before

    def test_schema_lives_in_its_own_search_path(self, url, database_url):
        # The per-test schema really isolates: public stays empty.
        migration.upgrade(url)
        engine = create_engine(database_url, poolclass=NullPool)
        with engine.connect() as connection:
            public = connection.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = 'public'"
                )
            ).scalar()
        engine.dispose()
        assert public == 0


def test_missing_database_is_unavailable(database_url):
    url = database_url.set(database="svc_launch_no_such_db", password="secret")
    with pytest.raises(errors.DatabaseUnavailable) as caught:
        Database(url.render_as_string(hide_password=False)).ping()
    message = str(caught.value)
    assert 'database "svc_launch_no_such_db" does not exist' in message
    assert "secret" not in message and "\n" not in message


def test_unknown_role_is_unavailable(database_url):
    url = database_url.set(username="svc_launch_no_role", password="secret")
    with pytest.raises(errors.DatabaseUnavailable, match="svc_launch_no_role") as c:
        Database(url.render_as_string(hide_password=False)).ping()
    assert "secret" not in str(c.value)
