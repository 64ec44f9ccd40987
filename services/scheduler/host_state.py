"""One compute host as a scheduler sees it: its last report plus its own claims.

A compute reports its capacity and usage every few seconds. Between two
reports the scheduler has placed more instances there, which the report
does not show yet; those are *claims*, held here and added to the reported
usage, so that the next selection sees the host as fuller. A claim ends
when a report lists its instance (the compute has it, so the reported
usage now counts it) or when it times out (the build never arrived).
"""

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from services.scheduler import fields
from services.scheduler.exception import InvalidHostState

if TYPE_CHECKING:  # the database layer is not needed to parse a report
    from launcher.db.api import ServiceRow

RESOURCE_FIELDS = ("vcpus", "memory_mb", "disk_gb")


@dataclasses.dataclass(frozen=True)
class Resources:
    """An amount of each resource the scheduler accounts for."""

    vcpus: int = 0
    memory_mb: int = 0
    disk_gb: int = 0

    def __add__(self, other: "Resources") -> "Resources":
        return Resources(
            self.vcpus + other.vcpus,
            self.memory_mb + other.memory_mb,
            self.disk_gb + other.disk_gb,
        )

    def __sub__(self, other: "Resources") -> "Resources":
        return Resources(
            self.vcpus - other.vcpus,
            self.memory_mb - other.memory_mb,
            self.disk_gb - other.disk_gb,
        )

    def fits_in(self, room: "Resources") -> bool:
        return (
            self.vcpus <= room.vcpus
            and self.memory_mb <= room.memory_mb
            and self.disk_gb <= room.disk_gb
        )

    def to_primitive(self) -> dict[str, int]:
        return dataclasses.asdict(self)


_REPORT_FIELDS = frozenset(
    [
        *RESOURCE_FIELDS,
        *(f"{name}_used" for name in RESOURCE_FIELDS),
        "availability_zone",
        "instances",
        "boot_id",
        "seq",
    ]
)


def _amounts(state: Mapping[str, Any], suffix: str) -> Resources:
    return Resources(
        *(
            fields.integer(state, f"{name}{suffix}", InvalidHostState)
            for name in RESOURCE_FIELDS
        )
    )


@dataclasses.dataclass(frozen=True)
class HostReport:
    """What ``update_host_state`` carries: capacity, usage and instances.

    ``boot_id`` and ``seq`` order the reports of one compute process:
    reports are dispatched on a thread pool, so an older one may be handled
    after a newer one, and must then be ignored.
    """

    capacity: Resources
    used: Resources
    availability_zone: str
    instances: frozenset[str] = frozenset()
    boot_id: str | None = None
    seq: int | None = None

    @classmethod
    def from_primitive(cls, data: object) -> "HostReport":
        """Check a report off the wire; InvalidHostState names the bad field."""
        state = fields.mapping(data, "state", InvalidHostState)
        fields.reject_unknown(state, _REPORT_FIELDS, InvalidHostState)
        zone = fields.optional_string(state, "availability_zone", InvalidHostState)
        seq = state.get("seq")
        return cls(
            capacity=_amounts(state, ""),
            used=_amounts(state, "_used"),
            availability_zone=zone or "",
            instances=frozenset(fields.uuid_list(state, "instances", InvalidHostState)),
            boot_id=fields.optional_string(state, "boot_id", InvalidHostState),
            seq=None if seq is None else fields.integer(state, "seq", InvalidHostState),
        )

    def to_primitive(self) -> dict[str, Any]:
        data: dict[str, Any] = self.capacity.to_primitive()
        data.update({f"{k}_used": v for k, v in self.used.to_primitive().items()})
        data.update(
            availability_zone=self.availability_zone,
            instances=sorted(self.instances),
            boot_id=self.boot_id,
            seq=self.seq,
        )
        return data

    def newer_than(self, boot_id: str | None, seq: int | None) -> bool:
        if self.seq is None or seq is None or self.boot_id != boot_id:
            return True
        return self.seq > seq


@dataclasses.dataclass(frozen=True)
class Claim:
    resources: Resources
    expires: float


class HostState:
    """Mutable; the owner (:class:`HostManager`) serialises access with its lock."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.capacity = Resources()
        self.reported_used = Resources()
        self.availability_zone = ""
        self.service: ServiceRow | None = None
        self.last_heard = 0.0
        self.placed = 0
        self._claims: dict[str, Claim] = {}
        self._claimed = Resources()
        self._boot_id: str | None = None
        self._seq: int | None = None

    @property
    def used(self) -> Resources:
        return self.reported_used + self._claimed

    @property
    def free(self) -> Resources:
        return self.capacity - self.used

    @property
    def pending_claims(self) -> int:
        return len(self._claims)

    def apply(self, report: HostReport, now: float) -> bool:
        """Take a report; False (and no change) if it is older than the last."""
        if not report.newer_than(self._boot_id, self._seq):
            return False
        self.capacity = report.capacity
        self.reported_used = report.used
        self.availability_zone = report.availability_zone
        self.last_heard = now
        self._boot_id, self._seq = report.boot_id, report.seq
        self._settle(report.instances)
        return True

    def _settle(self, instances: frozenset[str]) -> None:
        """Drop the claims that the report already counts."""
        smaller, larger = sorted((instances, self._claims), key=len)
        for instance in [u for u in smaller if u in larger]:
            self.release(instance)

    def claim(self, instance: str, resources: Resources, expires: float) -> None:
        self.release(instance)
        self._claims[instance] = Claim(resources, expires)
        self._claimed = self._claimed + resources
        self.placed += 1

    def cancel(self, instance: str) -> None:
        """Undo a claim of a request that failed as a whole."""
        if instance in self._claims:
            self.release(instance)
            self.placed -= 1

    def release(self, instance: str) -> None:
        claim = self._claims.pop(instance, None)
        if claim is not None:
            self._claimed = self._claimed - claim.resources

    def expire_claims(self, now: float) -> int:
        """Drop claims whose build never showed up in a report.

        Claims are inserted in time order with one timeout, so expiry stops
        at the first live one instead of scanning them all.
        """
        expired = []
        for instance, claim in self._claims.items():
            if claim.expires > now:
                break
            expired.append(instance)
        for instance in expired:
            self.release(instance)
        return len(expired)

    def describe(self, now: float) -> dict[str, Any]:
        """A JSON-friendly view, for ``get_host_states`` and the summary log."""
        return {
            "capacity": self.capacity.to_primitive(),
            "reported_used": self.reported_used.to_primitive(),
            "used": self.used.to_primitive(),
            "free": self.free.to_primitive(),
            "pending_claims": self.pending_claims,
            "placed": self.placed,
            "availability_zone": self.availability_zone,
            "service": _service(self.service),
            "seconds_since_report": round(now - self.last_heard, 3),
        }


def _service(row: "ServiceRow | None") -> Mapping[str, Any] | None:
    if row is None:
        return None
    beat = row.updated_at or row.created_at
    return {
        "disabled": row.disabled,
        "last_heartbeat": beat.isoformat() if beat else None,
    }
