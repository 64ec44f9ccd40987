"""Errors the scheduler sends back over RPC, rebuilt as themselves by callers.

oslo.messaging serializes a remote exception as its class, module, args and
``kwargs``; a caller whose transport lists this module in
``allowed_remote_exmods`` gets the same class back (a ``*_Remote``
subclass), anyone else an ``oslo_messaging.RemoteError``. Both carry the
message, so the failure is explicit either way, never a timeout. To
round-trip, every error here accepts its own rendered message as the first
positional argument and keeps its fields in ``self.kwargs``.
"""

from typing import Any

#: What a client transport passes as ``allowed_remote_exmods``.
ALLOWED_REMOTE_EXMODS = [__name__]


class SchedulerError(Exception):
    """Base class: a message built from ``msg_fmt`` and keyword fields."""

    msg_fmt = "scheduler error"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        super().__init__(message or self.msg_fmt.format(**kwargs))


class NoValidHost(SchedulerError):
    """No host passed the filters (or had room) for one of the instances."""

    msg_fmt = "No valid host was found: {reason}"


class InvalidRequestSpec(SchedulerError):
    """A request_spec field is missing or malformed; ``field`` names it."""

    msg_fmt = "Invalid request_spec field {field!r}: {reason}"

    @property
    def field(self) -> str:
        return str(self.kwargs.get("field", ""))


class InvalidHostState(SchedulerError):
    """A compute's report is malformed; logged and dropped (it is a cast)."""

    msg_fmt = "Invalid host state field {field!r}: {reason}"
