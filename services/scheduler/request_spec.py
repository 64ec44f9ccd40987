"""What select_destinations is asked for, and what it answers.

The wire format is a plain dict so that callers need no shared classes;
:meth:`RequestSpec.from_primitive` is the one place it is checked, and it
names the first bad field in the error the caller receives.
"""

import dataclasses
import uuid
from typing import Any, TypedDict

from services.scheduler import fields
from services.scheduler.exception import InvalidRequestSpec
from services.scheduler.host_state import Resources

KNOWN_FIELDS = frozenset(
    [
        "vcpus",
        "memory_mb",
        "disk_gb",
        "num_instances",
        "availability_zone",
        "instance_uuids",
    ]
)


class Destination(TypedDict):
    """One chosen host, per instance, in request order."""

    host: str
    instance_uuid: str


@dataclasses.dataclass(frozen=True)
class RequestSpec:
    """Resources for each instance, how many, and where (optionally)."""

    resources: Resources
    num_instances: int = 1
    availability_zone: str | None = None
    instance_uuids: tuple[str, ...] = ()

    @classmethod
    def from_primitive(cls, data: object, max_instances: int) -> "RequestSpec":
        """Check every field; raise InvalidRequestSpec naming the first bad one."""
        spec = fields.mapping(data, "request_spec", InvalidRequestSpec)
        fields.reject_unknown(spec, KNOWN_FIELDS, InvalidRequestSpec)
        resources = Resources(
            vcpus=fields.integer(spec, "vcpus", InvalidRequestSpec, minimum=1),
            memory_mb=fields.integer(spec, "memory_mb", InvalidRequestSpec, minimum=1),
            disk_gb=fields.integer(spec, "disk_gb", InvalidRequestSpec),
        )
        count = fields.integer(
            spec,
            "num_instances",
            InvalidRequestSpec,
            minimum=1,
            maximum=max_instances,
            default=1,
        )
        uuids = fields.uuid_list(spec, "instance_uuids", InvalidRequestSpec)
        if uuids and len(uuids) != count:
            raise InvalidRequestSpec(
                field="instance_uuids",
                reason=f"has {len(uuids)} entries for num_instances={count}",
            )
        zone = fields.optional_string(spec, "availability_zone", InvalidRequestSpec)
        return cls(resources, count, zone, uuids)

    def uuids(self) -> tuple[str, ...]:
        """The caller's instance UUIDs, or new ones if it sent none."""
        if self.instance_uuids:
            return self.instance_uuids
        return tuple(str(uuid.uuid4()) for _ in range(self.num_instances))

    def to_primitive(self) -> dict[str, Any]:
        data: dict[str, Any] = self.resources.to_primitive()
        data["num_instances"] = self.num_instances
        if self.availability_zone is not None:
            data["availability_zone"] = self.availability_zone
        if self.instance_uuids:
            data["instance_uuids"] = list(self.instance_uuids)
        return data
