"""Checks for the plain dicts that cross the wire, with errors that name the field.

RPC arguments arrive as JSON-decoded data from another process, possibly
another release. Each check raises the caller's error class with the
field's name and what was wrong, so a bad message is rejected with a
message an operator can act on instead of a ``KeyError`` deep inside.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from services.scheduler.exception import SchedulerError

_MISSING: Any = object()


def mapping(value: object, name: str, error: type[SchedulerError]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise error(field=name, reason=f"expected an object, got {_kind(value)}")
    return value


def reject_unknown(
    data: Mapping[str, Any], known: frozenset[str], error: type[SchedulerError]
) -> None:
    """Unknown keys are refused: a typo must not silently mean "default"."""
    for name in sorted(set(data) - known):
        raise error(field=name, reason="unknown field")


def integer(
    data: Mapping[str, Any],
    name: str,
    error: type[SchedulerError],
    *,
    minimum: int = 0,
    maximum: int | None = None,
    default: int = _MISSING,
) -> int:
    value = data.get(name, default)
    if value is _MISSING:
        raise error(field=name, reason="required field is missing")
    # bool is an int subclass; True as a vCPU count is a caller bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(field=name, reason=f"expected an integer, got {_kind(value)}")
    if value < minimum:
        raise error(field=name, reason=f"must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise error(field=name, reason=f"must be <= {maximum}, got {value}")
    return value


def optional_string(
    data: Mapping[str, Any], name: str, error: type[SchedulerError]
) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise error(
            field=name, reason=f"expected a non-empty string, got {_kind(value)}"
        )
    return value


def uuid_list(
    data: Mapping[str, Any], name: str, error: type[SchedulerError]
) -> tuple[str, ...]:
    value = data.get(name)
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise error(field=name, reason=f"expected a list, got {_kind(value)}")
    for item in value:
        if not _is_uuid(item):
            raise error(field=name, reason=f"not a UUID: {item!r}")
    if len(set(value)) != len(value):
        raise error(field=name, reason="contains duplicates")
    return tuple(value)


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"[:80]
