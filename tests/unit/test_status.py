"""Up/down judgement and the status renderings, with an injected clock."""

import datetime
import json

import pytest
from oslo_utils import timeutils

from launcher import status
from launcher.db import migration
from launcher.db.api import Database, ServiceRow

T0 = datetime.datetime(2025, 3, 4, 5, 6, 7, 890123)


def row(**changes) -> ServiceRow:
    fields = {
        "host": "node1",
        "binary": "nova-scheduler",
        "topic": "scheduler",
        "report_count": 3,
        "disabled": False,
        "disabled_reason": None,
        "created_at": T0 - datetime.timedelta(minutes=5),
        "updated_at": T0,
    }
    fields.update(changes)
    return ServiceRow(**fields)


def seconds(n: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=n)


@pytest.mark.parametrize(
    ("now", "up"),
    [
        (T0 + seconds(59), True),
        (T0 + seconds(60), True),  # "within" includes the boundary
        (T0 + seconds(61), False),
        (T0 - seconds(30), True),  # heartbeat from a host whose clock is ahead
        (T0 - seconds(61), False),
    ],
)
def test_up_within_service_down_time(now, up):
    judged = status.judge(row(), 60, now)
    assert judged.up is up
    assert judged.state == ("up" if up else "down")
    assert judged.last_heartbeat == T0


def test_first_heartbeat_counts_through_created_at():
    judged = status.judge(row(updated_at=None, created_at=T0), 60, T0 + seconds(5))
    assert judged.up and judged.last_heartbeat == T0


def test_no_timestamps_is_down():
    judged = status.judge(row(updated_at=None, created_at=None), 60, T0)
    assert not judged.up and judged.last_heartbeat is None


def test_status_row_keeps_the_service_fields():
    judged = status.judge(row(disabled=True, disabled_reason="r"), 60, T0)
    assert isinstance(judged, ServiceRow)
    assert (judged.host, judged.disabled_reason, judged.report_count) == (
        "node1",
        "r",
        3,
    )


@pytest.fixture
def db():
    database = Database("sqlite://")
    migration.upgrade(database)
    yield database
    database.dispose()


def test_collect_judges_each_row_against_now(db, monkeypatch):
    clock = iter([T0, T0 + seconds(50)])
    monkeypatch.setattr(timeutils, "utcnow", lambda with_timezone=False: next(clock))
    db.heartbeat("node1", "nova-scheduler", "scheduler")
    db.heartbeat("node2", "glance-api", "image")
    monkeypatch.undo()
    early = status.collect(db, 60, now=T0 + seconds(30))
    assert [(r.host, r.up) for r in early] == [("node1", True), ("node2", True)]
    late = status.collect(db, 60, now=T0 + seconds(100))
    assert [(r.host, r.up) for r in late] == [("node1", False), ("node2", True)]
    assert late[1].last_heartbeat == T0 + seconds(50)


def test_collect_accepts_an_aware_now(db):
    created = db.heartbeat("node1", "nova-scheduler", "scheduler").created_at
    aware = (created + seconds(90)).replace(tzinfo=datetime.UTC)
    shifted = aware.astimezone(datetime.timezone(datetime.timedelta(hours=5)))
    (judged,) = status.collect(db, 60, now=shifted)
    assert not judged.up


def test_collect_defaults_to_the_clock(db):
    db.heartbeat("node1", "nova-scheduler", "scheduler")
    (judged,) = status.collect(db, 60)
    assert judged.up


def test_render_empty():
    assert status.render([]) == "no services registered"


def test_render_aligns_columns():
    rows = [
        status.judge(row(), 60, T0),
        status.judge(
            row(
                host="compute-long-name",
                binary="glance-api",
                topic=None,
                report_count=12345,
                disabled=True,
                disabled_reason="maintenance",
                updated_at=None,
                created_at=None,
            ),
            60,
            T0,
        ),
        status.judge(row(binary="glance-registry", disabled=True), 60, T0),
    ]
    expected = "\n".join(
        [
            "Host               Binary           Topic      State  Last heartbeat"
            "        Reports  Disabled",
            "node1              nova-scheduler   scheduler  up     "
            "2025-03-04T05:06:07Z  3        no",
            "compute-long-name  glance-api       -          down   -"
            "                     12345    yes (maintenance)",
            "node1              glance-registry  scheduler  up     "
            "2025-03-04T05:06:07Z  3        yes",
        ]
    )
    assert status.render(rows) == expected


def test_render_json():
    rows = [
        status.judge(row(), 60, T0),
        status.judge(row(host="n2", updated_at=None, created_at=None), 60, T0),
    ]
    data = json.loads(status.render_json(rows))
    assert data[0] == {
        "host": "node1",
        "binary": "nova-scheduler",
        "topic": "scheduler",
        "state": "up",
        "up": True,
        "last_heartbeat": "2025-03-04T05:06:07Z",
        "report_count": 3,
        "disabled": False,
        "disabled_reason": None,
        "created_at": "2025-03-04T05:01:07Z",
        "updated_at": "2025-03-04T05:06:07Z",
    }
    assert (data[1]["state"], data[1]["last_heartbeat"]) == ("down", None)
    assert json.loads(status.render_json([])) == []
