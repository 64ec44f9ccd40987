"""Which services are up, and how to show that to an operator.

"Up" is judged here, not stored: a row is up when its last heartbeat is
within ``service_down_time`` of now. ``now`` can be injected so tests (and
a status command reading an old snapshot) need no clock.

The periodic tasks' counters (:func:`render_tasks`) are as of each
service's last heartbeat; those of a service that is down are its last
known ones, and its tasks show as ``down``.
"""

import dataclasses
import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any

from oslo_utils import timeutils

from launcher.db.api import Database, ServiceRow

HEADERS = ("Host", "Binary", "Topic", "State", "Last heartbeat", "Reports", "Disabled")
EMPTY = "no services registered"
TASK_HEADERS = (
    "Host",
    "Binary",
    "Task",
    "State",
    "Runs",
    "Failures",
    "Skipped",
    "Timeouts",
    "Last started",
    "Duration",
    "Next run",
    "Last error",
)
NO_TASKS = "no periodic tasks reported"
ERROR_WIDTH = 60


@dataclasses.dataclass(frozen=True)
class StatusRow(ServiceRow):
    """A service row plus its judged state."""

    up: bool
    last_heartbeat: datetime.datetime | None

    @property
    def state(self) -> str:
        return "up" if self.up else "down"


def _naive_utc(moment: datetime.datetime) -> datetime.datetime:
    # The database stores naive UTC; an aware ``now`` is converted to match.
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def judge(row: ServiceRow, service_down_time: int, now: datetime.datetime) -> StatusRow:
    """Up when the last heartbeat is within ``service_down_time`` of ``now``.

    The gap is taken in absolute value, as nova does: a heartbeat slightly
    in the future (clock skew between hosts) still counts as up.
    """
    last = row.updated_at or row.created_at
    up = last is not None and abs((now - last).total_seconds()) <= service_down_time
    fields = {f.name: getattr(row, f.name) for f in dataclasses.fields(ServiceRow)}
    return StatusRow(**fields, up=up, last_heartbeat=last)


def collect(
    db: Database, service_down_time: int, now: datetime.datetime | None = None
) -> list[StatusRow]:
    """Every live service with its state, ordered by host then binary."""
    moment = _naive_utc(now) if now is not None else timeutils.utcnow()
    return [judge(row, service_down_time, moment) for row in db.list_services()]


def _iso(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds") + "Z"


def _disabled(row: StatusRow) -> str:
    if not row.disabled:
        return "no"
    return f"yes ({row.disabled_reason})" if row.disabled_reason else "yes"


def _cells(row: StatusRow) -> tuple[str, ...]:
    return (
        row.host,
        row.binary,
        row.topic or "-",
        row.state,
        _iso(row.last_heartbeat) or "-",
        str(row.report_count),
        _disabled(row),
    )


def _align(table: Sequence[Sequence[str]]) -> str:
    """Columns aligned on two spaces, trailing blanks trimmed."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = (
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
        for line in table
    )
    return "\n".join(line.rstrip() for line in lines)


def render(rows: Sequence[StatusRow]) -> str:
    """A plain table, columns aligned on two spaces, for a terminal."""
    if not rows:
        return EMPTY
    return _align([HEADERS, *(_cells(row) for row in rows)])


def _seconds(value: Any) -> str:
    if not isinstance(value, int | float):
        return "-"
    return f"{value:.3f}s" if value < 1 else f"{value:.1f}s"


def _task_state(row: StatusRow, task: Mapping[str, Any]) -> str:
    if not row.up:
        return "down"
    if task.get("running"):
        return f"running {_seconds(task.get('running_for'))}"
    last_ok = task.get("last_ok")
    return "waiting" if last_ok is None else "ok" if last_ok else "failed"


def _next_run(row: StatusRow, task: Mapping[str, Any]) -> str:
    value = task.get("next_run_in")
    if not row.up or not isinstance(value, int | float):
        return "-"
    return "now" if value <= 0 else f"in {_seconds(value)}"


def _error(task: Mapping[str, Any]) -> str:
    error = task.get("last_error")
    if not error:
        return "-"
    error = str(error)
    return error if len(error) <= ERROR_WIDTH else error[: ERROR_WIDTH - 3] + "..."


def _task_cells(row: StatusRow, name: str, task: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        row.host,
        row.binary,
        name,
        _task_state(row, task),
        str(task.get("runs", 0)),
        str(task.get("failures", 0)),
        str(task.get("skipped", 0)),
        str(task.get("timeouts", 0)),
        task.get("last_started") or "-",
        _seconds(task.get("last_duration")),
        _next_run(row, task),
        _error(task),
    )


def render_tasks(rows: Sequence[StatusRow]) -> str:
    """Every service's periodic tasks, one line each, as of its last heartbeat.

    State is ``running <for>``, ``ok`` or ``failed`` (the last run),
    ``waiting`` (never ran yet), or ``down`` when the service is down.
    """
    table = [
        _task_cells(row, name, task)
        for row in rows
        for name, task in sorted((row.periodic_tasks or {}).items())
        if isinstance(task, Mapping)
    ]
    if not table:
        return NO_TASKS
    return _align([TASK_HEADERS, *table])


def render_json(rows: Sequence[StatusRow]) -> str:
    """The same rows for scripts: a JSON list, timestamps as ISO UTC."""
    return json.dumps(
        [
            {
                "host": row.host,
                "binary": row.binary,
                "topic": row.topic,
                "state": row.state,
                "up": row.up,
                "last_heartbeat": _iso(row.last_heartbeat),
                "report_count": row.report_count,
                "disabled": row.disabled,
                "disabled_reason": row.disabled_reason,
                "created_at": _iso(row.created_at),
                "updated_at": _iso(row.updated_at),
                "periodic_tasks": row.periodic_tasks,
            }
            for row in rows
        ],
        indent=2,
    )
