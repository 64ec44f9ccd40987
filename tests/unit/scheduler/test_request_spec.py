"""request_spec checking: every bad field is named, nothing bad gets through."""

import pytest

from services.scheduler.exception import InvalidRequestSpec
from services.scheduler.host_state import Resources
from services.scheduler.request_spec import RequestSpec
from tests.unit.scheduler.conftest import new_uuid, spec


def parse(data, max_instances=10):
    return RequestSpec.from_primitive(data, max_instances)


def test_minimal_spec_defaults_to_one_instance_anywhere():
    parsed = parse(spec(vcpus=2, memory_mb=512, disk_gb=0))
    assert parsed.resources == Resources(2, 512, 0)
    assert parsed.num_instances == 1
    assert parsed.availability_zone is None
    assert len(parsed.uuids()) == 1


def test_caller_uuids_are_kept_in_order():
    uuids = [new_uuid(), new_uuid()]
    parsed = parse(spec(num_instances=2, instance_uuids=uuids, availability_zone="az1"))
    assert parsed.uuids() == tuple(uuids)
    assert parse(parsed.to_primitive()) == parsed


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"memory_mb": 1, "disk_gb": 1}, "vcpus"),
        (spec(vcpus="2"), "vcpus"),
        (spec(vcpus=True), "vcpus"),
        (spec(vcpus=0), "vcpus"),
        (spec(memory_mb=None), "memory_mb"),
        (spec(memory_mb=1.5), "memory_mb"),
        (spec(disk_gb=-1), "disk_gb"),
        (spec(num_instances=0), "num_instances"),
        (spec(num_instances=11), "num_instances"),
        (spec(availability_zone=""), "availability_zone"),
        (spec(availability_zone=3), "availability_zone"),
        (spec(instance_uuids="abc"), "instance_uuids"),
        (spec(instance_uuids=["not-a-uuid"]), "instance_uuids"),
        (spec(num_instances=2, instance_uuids=[new_uuid()]), "instance_uuids"),
        (spec(flavor="m1.small"), "flavor"),
        ([1, 2], "request_spec"),
        (None, "request_spec"),
    ],
)
def test_bad_field_is_named(data, field):
    with pytest.raises(InvalidRequestSpec) as caught:
        parse(data)
    assert caught.value.field == field
    assert repr(field) in str(caught.value)


def test_duplicate_uuids_are_refused():
    same = new_uuid()
    with pytest.raises(InvalidRequestSpec, match="duplicates"):
        parse(spec(num_instances=2, instance_uuids=[same, same]))
