"""The bundled filters, one host and one instance at a time."""

import dataclasses

import pytest

from launcher.db.api import ServiceRow
from services.scheduler.filters.availability_zone import AvailabilityZoneFilter
from services.scheduler.filters.compute import ComputeFilter
from services.scheduler.filters.cores import CoreFilter
from services.scheduler.filters.disk import DiskFilter
from services.scheduler.filters.ram import RamFilter
from services.scheduler.host_state import Resources
from tests.unit.scheduler.conftest import host, make_conf, new_uuid, parsed, utc


@pytest.fixture
def conf():
    return make_conf(service_down_time=60)


def row(name="h1", seconds_ago=0, disabled=False):
    return ServiceRow(
        host=name,
        binary="nova-compute",
        topic="compute",
        report_count=1,
        disabled=disabled,
        disabled_reason=None,
        created_at=utc(600),
        updated_at=utc(seconds_ago),
    )


@pytest.mark.parametrize(
    ("service", "passes"),
    [
        # Row arguments, not rows: a row made at collection time would age
        # while other tests run.
        ({}, True),
        ({"seconds_ago": 61}, False),
        ({"disabled": True}, False),
        (None, False),
    ],
)
def test_compute_filter_wants_an_up_enabled_service(conf, service, passes):
    state = host()
    state.service = None if service is None else row(**service)
    assert ComputeFilter(conf).host_passes(state, parsed()) is passes


def test_compute_filter_counts_a_first_heartbeat_without_updated_at(conf):
    state = host()
    state.service = dataclasses.replace(row(), created_at=utc(), updated_at=None)
    assert ComputeFilter(conf).host_passes(state, parsed())


@pytest.mark.parametrize(
    ("host_filter", "field"),
    [(RamFilter, "memory_mb"), (CoreFilter, "vcpus"), (DiskFilter, "disk_gb")],
)
def test_resource_filters_count_claims(conf, host_filter, field):
    state = host(vcpus=4, memory_mb=4096, disk_gb=40)
    want = {"vcpus": 2, "memory_mb": 2048, "disk_gb": 20}
    request = parsed(**want)
    check = host_filter(conf)
    assert check.host_passes(state, request)
    state.claim(new_uuid(), Resources(**want), expires=100)
    assert check.host_passes(state, request)  # exactly full is allowed
    state.claim(new_uuid(), Resources(**{field: 1}), expires=100)
    assert not check.host_passes(state, request)


def test_availability_zone_filter(conf):
    check = AvailabilityZoneFilter(conf)
    state = host(zone="az1")
    assert check.host_passes(state, parsed())
    assert check.host_passes(state, parsed(availability_zone="az1"))
    assert not check.host_passes(state, parsed(availability_zone="az2"))
