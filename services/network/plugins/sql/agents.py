"""The agents table: report_state upserts, listing with liveness."""

import json
from typing import Any

from oslo_utils import timeutils, uuidutils
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from services.network import exceptions as exc
from services.network.db import models

_AGENTS = models.agents
REQUIRED = ("agent_type", "binary", "host", "topic")


def report(c: Connection, state: dict[str, Any]) -> dict[str, Any]:
    """Record an agent's heartbeat; 'alive' or, for a new agent, 'new'."""
    missing = [k for k in REQUIRED if not state.get(k)]
    if missing:
        raise exc.InvalidInput(f"agent_state lacks {', '.join(missing)}")
    now = timeutils.utcnow()
    configurations = json.dumps(state.get("configurations") or {})
    key = (_AGENTS.c.agent_type == state["agent_type"]) & (
        _AGENTS.c.host == state["host"]
    )
    updated = c.execute(
        update(_AGENTS)
        .where(key)
        .values(
            heartbeat_timestamp=now,
            configurations=configurations,
            binary=state["binary"],
            topic=state["topic"],
        )
    )
    if updated.rowcount:
        return {"status": "alive"}
    c.execute(
        insert(_AGENTS).values(
            id=uuidutils.generate_uuid(),
            agent_type=state["agent_type"],
            binary=state["binary"],
            host=state["host"],
            topic=state["topic"],
            configurations=configurations,
            started_at=now,
            heartbeat_timestamp=now,
        )
    )
    return {"status": "new"}


def list_agents(c: Connection, down_time: int) -> list[dict[str, Any]]:
    now = timeutils.utcnow()
    rows = c.execute(select(_AGENTS).order_by(_AGENTS.c.host, _AGENTS.c.agent_type))
    return [
        {
            "id": r.id,
            "agent_type": r.agent_type,
            "binary": r.binary,
            "host": r.host,
            "topic": r.topic,
            "configurations": json.loads(r.configurations),
            "alive": (now - r.heartbeat_timestamp).total_seconds() < down_time,
            "heartbeat_timestamp": r.heartbeat_timestamp.strftime("%Y-%m-%d %H:%M:%S"),
        }
        for r in rows
    ]
