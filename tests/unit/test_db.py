"""The services table on SQLite; DatabaseContract also runs on PostgreSQL.

The contract's tests take a function-scoped ``url`` fixture naming an
empty database; tests/functional/test_db_postgres.py subclasses it.
"""

import dataclasses
import datetime
import os
import subprocess
import sys
import textwrap
import time

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from oslo_config import cfg
from oslo_db import options as db_options
from sqlalchemy import Column, Integer, MetaData, Table, inspect, select

from launcher import errors
from launcher.db import api, migration, models
from launcher.db.api import Database

# Heartbeats from several real processes. They wait for a common start time
# and each beat names a new binary, so every beat races to create its row.
RACER = textwrap.dedent(
    """
    import sys, time
    from launcher.db.api import Database

    url, start, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    db = Database(url)
    db.ping()
    time.sleep(max(0.0, start - time.time()))
    for i in range(count):
        db.heartbeat("race-host", f"svc-race-{i}", "race")
    """
)


def schema_diff(db: Database) -> list:
    with db.connect() as connection:
        context = MigrationContext.configure(
            connection, opts=migration.context_options()
        )
        return compare_metadata(context, models.Base.metadata)


def raw_rows(db: Database, host: str) -> list:
    """Every row for ``host``, soft-deleted ones included."""
    table = models.ServiceRecord.__table__
    with db.connect() as connection:
        query = select(table).where(table.c.host == host).order_by(table.c.id)
        return list(connection.execute(query))


class DatabaseContract:
    """Behaviour every backend must show; subclasses provide ``url``."""

    @pytest.fixture
    def db(self, url):
        database = Database(url)
        yield database
        database.dispose()

    @pytest.fixture
    def migrated(self, db):
        migration.upgrade(db)
        return db

    # -- migrations ---------------------------------------------------------

    def test_fresh_database_has_no_revision(self, url):
        assert migration.current(url) is None
        assert migration.is_current(url) is False

    def test_upgrade_creates_table_and_own_version_table(self, url, db):
        migration.upgrade(url)
        assert migration.current(url) == migration.head() == "0002"
        assert migration.is_current(url)
        tables = set(inspect(db.engine).get_table_names())
        assert {"services", "svc_launch_alembic_version"} <= tables
        assert "alembic_version" not in tables

    def test_upgrade_twice_is_a_no_op(self, url):
        migration.upgrade(url)
        migration.upgrade(url)
        assert migration.current(url) == migration.head()

    def test_models_match_migrations(self, migrated):
        assert schema_diff(migrated) == []

    def test_comparison_sees_a_drift(self, migrated):
        # Guard against a comparison that can never fail.
        drifted = MetaData()
        for table in models.Base.metadata.tables.values():
            table.to_metadata(drifted)
        drifted.tables["services"].append_column(Column("extra", Integer()))
        with migrated.connect() as connection:
            context = MigrationContext.configure(
                connection, opts=migration.context_options()
            )
            diff = compare_metadata(context, drifted)
        assert [d[0] for d in diff] == ["add_column"]

    def test_unmigrated_database_is_not_transient(self, db):
        with pytest.raises(api.SchemaOutOfDate, match="not migrated"):
            db.heartbeat("h", "b", "t")

    def test_0002_adds_periodic_tasks_and_keeps_rows(self, db):
        migration.upgrade(db, "0001")
        with db.connect() as connection:
            services = Table("services", MetaData(), autoload_with=connection)
            assert "periodic_tasks" not in services.c
            connection.execute(
                services.insert().values(
                    host="old-host",
                    binary="svc-old",
                    topic="t",
                    report_count=4,
                    disabled=False,
                    deleted=0,
                )
            )
        migration.upgrade(db)
        (row,) = db.list_services()
        assert (row.host, row.report_count, row.periodic_tasks) == ("old-host", 4, None)
        assert schema_diff(db) == []

    def test_a_schema_before_0002_is_out_of_date(self, db):
        migration.upgrade(db, "0001")
        with pytest.raises(api.SchemaOutOfDate) as caught:
            db.list_services()
        assert "\n" not in str(caught.value)
        assert str(caught.value).endswith("run: svc-launch db sync")
        assert not migration.is_current(db)

    def test_0002_downgrades(self, migrated):
        with migrated.connect() as connection:
            command.downgrade(migration.alembic_config(connection), "0001")
        columns = {c["name"] for c in inspect(migrated.engine).get_columns("services")}
        assert "periodic_tasks" not in columns and "report_count" in columns
        assert migration.current(migrated) == "0001"

    # -- heartbeat ----------------------------------------------------------

    def test_heartbeat_creates_then_increments(self, migrated):
        first = migrated.heartbeat("host-a", "svc-x", "x")
        assert (first.report_count, first.updated_at) == (1, None)
        assert first.created_at is not None
        assert first.created_at.tzinfo is None  # naive UTC, as oslo.db stores
        second = migrated.heartbeat("host-a", "svc-x", "x")
        assert second.report_count == 2
        assert second.updated_at >= second.created_at == first.created_at
        assert migrated.get_service("host-a", "svc-x") == second

    def test_heartbeat_records_a_new_topic(self, migrated):
        migrated.heartbeat("host-a", "svc-x", "old")
        assert migrated.heartbeat("host-a", "svc-x", "new").topic == "new"

    def test_heartbeat_stores_periodic_tasks(self, migrated):
        tasks = {"tick": {"runs": 3, "last_error": None, "last_duration": 0.25}}
        created = migrated.heartbeat("host-a", "svc-x", "x", periodic_tasks=tasks)
        assert created.periodic_tasks == tasks
        assert migrated.list_services()[0].periodic_tasks == tasks
        tasks["tick"]["runs"] = 4
        updated = migrated.heartbeat("host-a", "svc-x", "x", periodic_tasks=tasks)
        assert updated.periodic_tasks["tick"]["runs"] == 4
        # A beat without counters (periodic tasks off) clears stale ones.
        assert migrated.heartbeat("host-a", "svc-x", "x").periodic_tasks is None
        assert migrated.get_service("host-a", "svc-x").periodic_tasks is None

    def test_two_databases_share_one_row(self, url, migrated):
        other = Database(url)
        try:
            migrated.heartbeat("host-a", "svc-x", "x")
            assert other.heartbeat("host-a", "svc-x", "x").report_count == 2
        finally:
            other.dispose()
        assert len(raw_rows(migrated, "host-a")) == 1

    def test_lost_creation_race_becomes_an_update(self, url, migrated, monkeypatch):
        # Another worker created the row after our UPDATE found nothing: our
        # INSERT then hits the unique constraint and must turn into an update.
        other = Database(url)
        try:
            other.heartbeat("host-a", "svc-x", "x")
        finally:
            other.dispose()
        real_update = api._update_live
        misses = iter([True])

        def update_missing_once(*args, **kwargs):
            if next(misses, False):
                return False
            return real_update(*args, **kwargs)

        monkeypatch.setattr(api, "_update_live", update_missing_once)
        assert migrated.heartbeat("host-a", "svc-x", "x").report_count == 2
        assert len(raw_rows(migrated, "host-a")) == 1

    def test_racing_processes_count_every_heartbeat(self, url, migrated):
        procs, beats = 6, 20
        start = str(time.time() + 2.0)
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, url, start, str(beats)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(procs)
        ]
        errors_seen = [r.communicate(timeout=60)[1] for r in racers]
        assert [r.returncode for r in racers] == [0] * procs, errors_seen
        rows = migrated.list_services()
        assert [r.binary for r in rows] == sorted(f"svc-race-{i}" for i in range(beats))
        assert {r.report_count for r in rows} == {procs}
        assert len(raw_rows(migrated, "race-host")) == beats

    # -- disable, delete, list ----------------------------------------------

    def test_set_disabled_keeps_last_heartbeat(self, migrated):
        migrated.heartbeat("host-a", "svc-x", "x")
        before = migrated.heartbeat("host-a", "svc-x", "x")
        row = migrated.set_disabled("host-a", "svc-x", True, "maintenance")
        assert (row.disabled, row.disabled_reason) == (True, "maintenance")
        assert row.updated_at == before.updated_at  # still "last heartbeat"
        row = migrated.set_disabled("host-a", "svc-x", False, "ignored")
        assert (row.disabled, row.disabled_reason) == (False, None)
        assert migrated.get_service("host-a", "svc-x") == row

    def test_set_disabled_unknown_service(self, migrated):
        with pytest.raises(LookupError) as caught:
            migrated.set_disabled("nowhere", "svc-x", True, None)
        assert isinstance(caught.value, api.ServiceNotFound)
        assert "svc-x" in str(caught.value) and "nowhere" in str(caught.value)

    def test_set_disabled_rejects_a_long_reason(self, migrated):
        migrated.heartbeat("host-a", "svc-x", "x")
        with pytest.raises(ValueError, match="longer than 255"):
            migrated.set_disabled("host-a", "svc-x", True, "r" * 256)

    def test_delete_is_soft(self, migrated):
        created = migrated.heartbeat("host-a", "svc-x", "x")
        migrated.delete_service("host-a", "svc-x")
        assert migrated.get_service("host-a", "svc-x") is None
        assert migrated.list_services() == []
        (row,) = raw_rows(migrated, "host-a")
        assert row.deleted == row.id and row.deleted_at is not None
        assert row.report_count == created.report_count
        with pytest.raises(api.ServiceNotFound):
            migrated.delete_service("host-a", "svc-x")

    def test_heartbeat_after_delete_registers_again(self, migrated):
        migrated.heartbeat("host-a", "svc-x", "x")
        migrated.heartbeat("host-a", "svc-x", "x")
        migrated.delete_service("host-a", "svc-x")
        assert migrated.heartbeat("host-a", "svc-x", "x").report_count == 1
        assert [r.deleted == 0 for r in raw_rows(migrated, "host-a")] == [
            False,
            True,
        ]

    def test_list_is_ordered_and_live_only(self, migrated):
        for host, binary in [("h2", "b"), ("h1", "z"), ("h1", "a"), ("h3", "b")]:
            migrated.heartbeat(host, binary, None)
        migrated.delete_service("h3", "b")
        rows = migrated.list_services()
        assert [(r.host, r.binary) for r in rows] == [
            ("h1", "a"),
            ("h1", "z"),
            ("h2", "b"),
        ]
        with pytest.raises(dataclasses.FrozenInstanceError):
            rows[0].host = "other"

    # -- connections --------------------------------------------------------

    def test_ping(self, db):
        db.ping()

    def test_dispose_then_use_again(self, migrated):
        migrated.heartbeat("host-a", "svc-x", "x")
        migrated.dispose()
        migrated.dispose()
        assert migrated.heartbeat("host-a", "svc-x", "x").report_count == 2

    def test_dispose_in_forked_child(self, migrated):
        migrated.heartbeat("host-a", "svc-x", "x")
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 1
            try:
                migrated.dispose()
                migrated.heartbeat("host-a", "svc-x", "x")
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert migrated.heartbeat("host-a", "svc-x", "x").report_count == 3


class TestSqliteFile(DatabaseContract):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path}/state/svc-launch.sqlite"


# -- SQLite specifics -------------------------------------------------------


def test_in_memory_database_migrates_and_heartbeats():
    # oslo.db gives ":memory:" a StaticPool: one connection, one database,
    # so migrations must run on this Database rather than on its URL.
    db = Database("sqlite://")
    migration.upgrade(db)
    assert migration.is_current(db)
    db.heartbeat("h", "b", "t")
    assert db.heartbeat("h", "b", "t").report_count == 2
    assert schema_diff(db) == []


@pytest.mark.parametrize("stored", [None, "", "{not json", "[1, 2]", "3"])
def test_unreadable_periodic_tasks_read_as_none(stored):
    assert api._load_tasks(stored) is None


def test_nothing_is_opened_before_first_use(tmp_path):
    path = tmp_path / "later" / "svc-launch.sqlite"
    db = Database(f"sqlite:///{path}")
    db.dispose()  # before first use: nothing to drop, nothing created
    assert not path.parent.exists()
    db.ping()
    assert path.exists()


def test_sqlite_parent_directory_is_created(tmp_path):
    url = f"sqlite:///{tmp_path}/a/b/c/svc-launch.sqlite"
    migration.upgrade(url)
    assert (tmp_path / "a" / "b" / "c" / "svc-launch.sqlite").exists()


def test_sqlite_directory_that_cannot_exist(tmp_path):
    (tmp_path / "file").write_text("")
    db = Database(f"sqlite:///{tmp_path}/file/sub/svc-launch.sqlite")
    with pytest.raises(errors.DatabaseUnavailable, match="cannot reach database"):
        db.ping()


# -- errors -----------------------------------------------------------------

UNREACHABLE = "postgresql+psycopg2://u:secret@127.0.0.1:1/x"


@pytest.mark.parametrize(
    "call",
    [
        lambda db: db.ping(),
        lambda db: db.heartbeat("h", "b", "t"),
        lambda db: db.list_services(),
        lambda db: db.get_service("h", "b"),
        lambda db: db.set_disabled("h", "b", True, None),
        lambda db: db.delete_service("h", "b"),
        lambda db: migration.upgrade(db),
        lambda db: migration.current(db),
    ],
)
def test_unreachable_database(call):
    db = Database(UNREACHABLE)  # lazy: constructing it must not fail
    with pytest.raises(errors.DatabaseUnavailable) as caught:
        call(db)
    message = str(caught.value)
    assert "secret" not in message
    assert "\n" not in message
    assert message.startswith(
        "cannot reach database postgresql+psycopg2://u:***@127.0.0.1:1/x: "
    )
    assert "Connection refused" in message
    assert message.endswith(
        "; check [database] connection and that the server is running"
    )
    assert caught.value.exit_code == errors.EXIT_RUNTIME


def test_unreachable_url_given_to_migration():
    with pytest.raises(errors.DatabaseUnavailable) as caught:
        migration.upgrade(UNREACHABLE)
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown", "reason"),
    [
        ("not a url", "not a url", "Could not parse"),
        ("nosuchdb://u:secret@h/x", "nosuchdb://u:***@h/x", "Can't load plugin"),
        (
            "postgresql+nosuchdriver://u:secret@h/x",
            "postgresql+nosuchdriver://u:***@h/x",
            "Can't load plugin",
        ),
    ],
)
def test_bad_url(url, shown, reason):
    with pytest.raises(errors.DatabaseUnavailable) as caught:
        Database(url).ping()
    message = str(caught.value)
    assert message.startswith(f"cannot reach database {shown}: {reason}")
    assert "secret" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:p%40ss@h:5/d", "postgresql://u:***@h:5/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("::bad::u:secret@host", "::bad::u:***@host"),
        ("weird ://u:secret@host/x", "weird ://u:***@host/x"),
    ],
)
def test_mask_url(url, masked):
    assert api.mask_url(url) == masked


def test_repr_hides_password():
    assert "secret" not in repr(Database(UNREACHABLE))


def test_from_conf_uses_state_path_and_pool_options(tmp_path):
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt("state_path"))
    db_options.set_defaults(conf)
    conf([], default_config_files=[])
    conf.set_override("state_path", str(tmp_path / "state"))
    db = Database.from_conf(conf)
    migration.upgrade(db)
    assert db.engine.url.database == str(tmp_path / "state" / "svc-launch.sqlite")


def test_naive_utc_timestamps(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/db.sqlite")
    migration.upgrade(db)
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    row = db.heartbeat("h", "b", "t")
    after = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert before <= row.created_at <= after


def test_a_broken_migration_entry_point_is_named():
    from importlib import metadata

    from launcher import errors
    from launcher.db import migration

    broken = metadata.EntryPoint(
        name="broken_tree", value="no_such_module:TREE", group=migration.NAMESPACE
    )
    with pytest.raises(errors.DefinitionLoadError, match="broken_tree") as caught:
        migration._load(broken)
    assert "\n" not in str(caught.value)
    wrong = metadata.EntryPoint(
        name="not_a_tree",
        value="launcher.db.migration:NAMESPACE",
        group=migration.NAMESPACE,
    )
    with pytest.raises(errors.DefinitionLoadError, match="not a launcher"):
        migration._load(wrong)


def test_script_heads_agree_with_alembic_for_every_installed_tree():
    trees = migration.trees()
    assert len(trees) >= 2  # the launcher's and at least one plug-in's
    for tree in trees:
        assert migration.script_heads(tree) == {migration.head(tree)}, tree.name


def test_script_heads_defer_to_alembic_for_branch_labels(tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (versions / "b.py").write_text(
        'revision: str = "b"\ndown_revision = ("a",)\nbranch_labels = ("x",)\n'
    )
    tree = migration.Tree("t", str(tmp_path), "t_version", MetaData())
    assert migration.script_heads(tree) is None
    (versions / "b.py").write_text('revision: str = "b"\ndown_revision = ("a",)\n')
    assert migration.script_heads(tree) == {"b"}


def test_a_launch_checks_the_schema_without_importing_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    migration.upgrade(url)
    code = (
        "import sys; from launcher.db import migration; "
        "print(migration.is_current(sys.argv[1]), 'alembic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["True", "False"]
