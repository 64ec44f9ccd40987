"""The claims ledger on SQLite; LedgerContract also runs on PostgreSQL.

The contract's tests take a function-scoped ``url`` fixture naming an
empty database; tests/functional/test_db_postgres.py subclasses it.
"""

import datetime
import threading
import uuid
from concurrent import futures

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from oslo_messaging.rpc.dispatcher import ExpectedException
from sqlalchemy import inspect

from launcher.db import migration
from launcher.db.api import Database
from launcher.testing import wait_for
from services.scheduler.db import migration as scheduler_migration
from services.scheduler.db import models
from services.scheduler.db.ledger import ClaimLedger
from services.scheduler.exception import NoValidHost
from services.scheduler.host_state import HostReport, Resources
from tests.unit.scheduler.conftest import new_uuid, report, spec

ONE = Resources(1, 512, 1)
TREE = scheduler_migration.TREE


def later(seconds=60):
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + (
        datetime.timedelta(seconds=seconds)
    )


def capacity(vcpus, used=0, instances=(), boot_id="boot", seq=1):
    return HostReport.from_primitive(
        report(
            vcpus,
            512 * vcpus,
            vcpus,
            used=(used, 512 * used, used),
            instances=instances,
            boot_id=boot_id,
            seq=seq,
        )
    )


def race(ledgers, host, attempts):
    """Claim one slot per attempt from many threads over several ledgers."""
    start = threading.Barrier(len(ledgers) * 4)

    def worker(index):
        ledger = ledgers[index % len(ledgers)]
        start.wait()
        return [
            ledger.claim(host, new_uuid(), ONE, later())
            for _ in range(attempts // (len(ledgers) * 4))
        ]

    with futures.ThreadPoolExecutor(max_workers=len(ledgers) * 4) as pool:
        return [
            won for wins in pool.map(worker, range(len(ledgers) * 4)) for won in wins
        ]


class LedgerContract:
    """Behaviour every backend must show; subclasses provide ``url``."""

    @pytest.fixture
    def db(self, url):
        database = Database(url)
        migration.upgrade(database)
        yield database
        database.dispose()

    @pytest.fixture
    def ledger(self, db):
        return ClaimLedger(db)

    # -- migrations ---------------------------------------------------------

    def test_db_sync_runs_the_scheduler_tree_with_its_own_version_table(self, db):
        assert migration.current(db, TREE) == migration.head(TREE) == "sched0001"
        assert migration.current(db) == migration.head()
        tables = set(inspect(db.engine).get_table_names())
        assert {"compute_capacity", "compute_claims"} <= tables
        assert {"svc_launch_alembic_version", TREE.version_table} <= tables
        with db.connect() as connection:
            context = MigrationContext.configure(
                connection, opts=TREE.context_options()
            )
            assert compare_metadata(context, models.Base.metadata) == []

    def test_launcher_tree_alone_is_not_current(self, url):
        migration.upgrade(url, "0001")  # the launcher's tree only
        assert migration.current(url) == "0001"
        assert migration.current(url, TREE) is None
        assert not migration.is_current(url)
        migration.upgrade(url)
        assert migration.is_current(url)

    # -- claims -------------------------------------------------------------

    def test_no_row_no_claim(self, ledger):
        assert not ledger.claim("nowhere", new_uuid(), ONE, later())

    def test_claims_stop_at_capacity_on_every_resource(self, ledger):
        ledger.record_report("c1", capacity(3, used=1))
        assert ledger.claim("c1", new_uuid(), ONE, later())
        assert ledger.claim("c1", new_uuid(), ONE, later())
        assert not ledger.claim("c1", new_uuid(), ONE, later())
        assert not ledger.claim("c1", new_uuid(), Resources(0, 0, 1), later())
        row = ledger.get("c1")
        assert (row.used, row.claimed, row.claims) == (
            Resources(1, 512, 1),
            Resources(2, 1024, 2),
            2,
        )
        assert row.free == Resources()

    def test_report_listing_an_instance_moves_it_from_claimed_to_used(self, ledger):
        ledger.record_report("c1", capacity(4))
        first, second = new_uuid(), new_uuid()
        assert ledger.claim("c1", first, ONE, later())
        assert ledger.claim("c1", second, ONE, later())
        ledger.record_report("c1", capacity(4, used=1, instances=[first], seq=2))
        row = ledger.get("c1")
        assert (row.used.vcpus, row.claimed.vcpus, row.claims) == (1, 1, 1)

    def test_expired_claims_go_with_the_next_report(self, ledger):
        ledger.record_report("c1", capacity(1))
        assert ledger.claim("c1", new_uuid(), ONE, later(-1))
        assert not ledger.claim("c1", new_uuid(), ONE, later())
        ledger.record_report("c1", capacity(1, seq=2))
        assert ledger.get("c1").claims == 0
        assert ledger.claim("c1", new_uuid(), ONE, later())

    def test_older_report_is_ignored(self, ledger):
        ledger.record_report("c1", capacity(4, used=2, seq=5))
        assert not ledger.record_report("c1", capacity(4, used=0, seq=4))
        assert ledger.get("c1").used.vcpus == 2
        assert ledger.record_report("c1", capacity(4, used=0, boot_id="new", seq=1))
        assert ledger.get("c1").used.vcpus == 0

    def test_release_gives_back_and_a_retried_instance_is_claimed_once(self, ledger):
        ledger.record_report("c1", capacity(2))
        again, other = new_uuid(), new_uuid()
        assert ledger.claim("c1", again, ONE, later())
        assert ledger.claim("c1", again, ONE, later())  # same instance, again
        assert ledger.get("c1").claimed.vcpus == 1
        assert ledger.claim("c1", other, ONE, later())
        assert ledger.release([again, other, new_uuid()]) == 2
        assert ledger.release([again]) == 0
        row = ledger.get("c1")
        assert (row.claimed, row.claims) == (Resources(), 0)

    def test_threads_over_two_connections_never_exceed_the_host(self, url, ledger):
        ledger.record_report("tight", capacity(7))
        other = Database(url)
        try:
            wins = race([ledger, ClaimLedger(other)], "tight", 80)
        finally:
            other.dispose()
        assert wins.count(True) == 7
        assert ledger.get("tight").free == Resources()

    # -- two schedulers -----------------------------------------------------

    def test_two_schedulers_on_one_tight_host_never_exceed_it(
        self, url, svc_launch_service
    ):
        slots = 5
        shared = {"database.connection": url}
        fast = {**shared, "scheduler.startup_wait": 0}
        s1 = svc_launch_service("nova-scheduler", host="s1", overrides=fast)
        s2 = svc_launch_service(
            "nova-scheduler", host="s2", transport=s1.transport, overrides=fast
        )
        svc_launch_service(
            "nova-compute",
            host="c1",
            transport=s1.transport,
            overrides={
                **shared,
                "compute.vcpus": slots,
                "compute.state_report_interval": 1,
            },
        )
        managers = [s1.manager, s2.manager]
        for manager in managers:
            wait_for(
                lambda m=manager: "c1" in m.get_host_states({})["hosts"],
                timeout=10,
                what="c1's report",
            )
            manager._refresh_services(None)
        barrier = threading.Barrier(20)

        def place(index):
            barrier.wait()
            try:
                return managers[index % 2].select_destinations({}, spec(vcpus=1))
            except ExpectedException as exc:  # how the RPC layer wraps it
                assert isinstance(exc.exc_info[1], NoValidHost)
                return None

        with futures.ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(place, range(40)))
        placed = [d for r in results if r for d in r]
        assert len(placed) == slots
        assert {d["host"] for d in placed} == {"c1"}
        assert len({d["instance_uuid"] for d in placed}) == slots
        row = ClaimLedger(Database(url)).get("c1")
        assert row.free.vcpus == 0 and row.claims == slots
        lost = [m.hosts.counters.get("claims_lost", 0) for m in managers]
        per = [m.hosts.counters.get("instances", 0) for m in managers]
        assert sum(per) == slots, (per, lost)
        assert sum(lost) > 0, "the schedulers never raced; the test proves nothing"


class TestSqlite(LedgerContract):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path}/state/shared-{uuid.uuid4().hex[:6]}.sqlite"
