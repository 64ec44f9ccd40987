"""Up/down judgement and the status renderings, with an injected clock."""

import datetime
import json

import pytest
from oslo_utils import timeutils

from launcher import commands, config, status
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
        "periodic_tasks": None,
    }
    assert (data[1]["state"], data[1]["last_heartbeat"]) == ("down", None)
    assert json.loads(status.render_json([])) == []


# -- periodic tasks ---------------------------------------------------------


def task(**changes) -> dict:
    fields = {
        "runs": 12,
        "failures": 0,
        "skipped": 0,
        "timeouts": 0,
        "last_duration": 0.0123,
        "last_started": "2025-03-04T05:06:00Z",
        "last_error": None,
        "last_ok": True,
        "running": False,
        "running_for": None,
        "next_run_in": 3.25,
        "spacing": 10,
        "overlap": "skip",
        "timeout": None,
    }
    fields.update(changes)
    return fields


TASKS = {
    "_refresh": task(),
    "_expire": task(
        runs=3,
        failures=1,
        skipped=2,
        timeouts=1,
        last_duration=75.25,
        last_ok=False,
        last_error="RuntimeError: " + "x" * 80,
        running=True,
        running_for=12.5,
        next_run_in=0,
    ),
    "_summary": task(
        runs=0, last_duration=None, last_started=None, last_ok=None, next_run_in=50
    ),
}


def test_render_tasks_one_line_per_task_sorted():
    rows = [
        status.judge(row(periodic_tasks=TASKS), 60, T0),
        status.judge(row(host="node2", binary="glance-api"), 60, T0),  # none
    ]
    error = "RuntimeError: " + "x" * 43 + "..."
    expected = "\n".join(
        [
            "Host   Binary          Task      State          Runs  Failures  Skipped"
            "  Timeouts  Last started          Duration  Next run  Last error",
            "node1  nova-scheduler  _expire   running 12.5s  3     1         2"
            "        1         2025-03-04T05:06:00Z  75.2s     now       " + error,
            "node1  nova-scheduler  _refresh  ok             12    0         0"
            "        0         2025-03-04T05:06:00Z  0.012s    in 3.2s   -",
            "node1  nova-scheduler  _summary  waiting        0     0         0"
            "        0         -                     -         in 50.0s  -",
        ]
    )
    assert status.render_tasks(rows) == expected


def test_render_tasks_of_a_down_service_are_down():
    judged = status.judge(
        row(periodic_tasks={"_refresh": task()}), 60, T0 + seconds(120)
    )
    _, line = status.render_tasks([judged]).splitlines()
    cells = line.split()
    assert cells[3] == "down"
    assert cells[4] == "12"  # the last known counters are kept
    assert cells[-2:] == ["-", "-"]  # no next run, no error


def test_render_tasks_when_none_reported():
    assert status.render_tasks([]) == "no periodic tasks reported"
    rows = [status.judge(row(periodic_tasks={}), 60, T0)]
    assert status.render_tasks(rows) == "no periodic tasks reported"


def test_render_json_carries_the_tasks():
    (data,) = json.loads(
        status.render_json([status.judge(row(periodic_tasks=TASKS), 60, T0)])
    )
    assert data["periodic_tasks"] == TASKS


# -- the status command -----------------------------------------------------


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run ``svc-launch`` in-process on a SQLite file; (code, stdout, stderr)."""
    # The CLI sets up oslo.log for the whole process; not inside a test.
    monkeypatch.setattr(config, "setup_logging", lambda conf: None)
    conf_file = tmp_path / "svc-launch.conf"
    conf_file.write_text(f"[DEFAULT]\nstate_path = {tmp_path}\n")
    url = f"sqlite:///{tmp_path}/svc-launch.sqlite"

    def run(*args: str) -> tuple[int, list[str], str]:
        lines: list[str] = []
        code = commands.run([*args, "--config-file", str(conf_file)], out=lines.append)
        return code, lines, capsys.readouterr().err

    run.url = url
    return run


def test_status_command_keeps_its_table_and_adds_tasks_on_request(cli):
    db = Database(cli.url)
    try:
        migration.upgrade(db)
        db.heartbeat("node1", "nova-scheduler", "scheduler", periodic_tasks=TASKS)
    finally:
        db.dispose()
    code, plain, _ = cli("status")
    assert code == 0
    assert len(plain) == 1 and plain[0].splitlines()[0].startswith("Host  ")
    assert "_refresh" not in plain[0]
    code, lines, _ = cli("status", "--tasks")
    assert code == 0
    assert lines[0] == plain[0] and lines[1] == ""
    tasks = lines[2].splitlines()
    assert tasks[0].split()[:4] == ["Host", "Binary", "Task", "State"]
    assert [ln.split()[2] for ln in tasks[1:]] == ["_expire", "_refresh", "_summary"]


def test_status_on_a_schema_before_periodic_tasks_says_db_sync(cli):
    db = Database(cli.url)
    try:
        migration.upgrade(db, "0001")
    finally:
        db.dispose()
    code, lines, err = cli("status")
    assert code != 0 and lines == []
    assert len(err.strip().splitlines()) == 1
    assert "not migrated" in err and err.strip().endswith("run: svc-launch db sync")


def test_tasks_is_an_option_of_status_only(cli, capsys):
    with pytest.raises(SystemExit) as caught:  # argparse's own exit
        cli("--tasks", "--list")
    assert caught.value.code == 2
    assert "unrecognized arguments: --tasks" in capsys.readouterr().err
