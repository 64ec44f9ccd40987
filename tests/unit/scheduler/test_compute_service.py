"""nova-compute in-process: builds, refuses what does not fit, reports."""

import logging
import threading

import oslo_messaging
import pytest

from launcher.testing import wait_for
from services.scheduler.host_state import HostReport, Resources
from services.scheduler.rpcapi import ComputeAPI
from tests.unit.scheduler.conftest import new_uuid, spec


class Recorder:
    """Stands in for the schedulers: keeps every report fanned out to them."""

    target = oslo_messaging.Target(version="1.1")

    def __init__(self):
        self.reports = []
        self._lock = threading.Lock()

    def update_host_state(self, ctxt, host, state):
        with self._lock:
            self.reports.append((host, HostReport.from_primitive(state)))

    def last(self):
        with self._lock:
            return self.reports[-1] if self.reports else None


@pytest.fixture
def compute(start):
    return start(
        "nova-compute",
        host="c1",
        overrides={
            "compute.vcpus": 2,
            "compute.memory_mb": 4096,
            "compute.disk_gb": 40,
            "compute.availability_zone": "az1",
            "compute.state_report_interval": 1,
        },
    )


@pytest.fixture
def recorder(compute):
    recorder = Recorder()
    server = oslo_messaging.get_rpc_server(
        compute.transport,
        oslo_messaging.Target(topic="scheduler", server="recorder"),
        [recorder],
    )
    server.start()
    yield recorder
    server.stop()
    server.wait()


def test_reports_configured_capacity(compute, recorder):
    host, state = wait_for(recorder.last, timeout=5, what="a report")
    assert host == "c1"
    assert state.capacity == Resources(2, 4096, 40)
    assert (state.used, state.availability_zone) == (Resources(), "az1")


def test_build_raises_usage_and_the_next_report_carries_it(compute, recorder):
    client = ComputeAPI(compute.transport, timeout=10)
    instance = new_uuid()
    client.build_instance({}, "c1", instance, spec(vcpus=1, memory_mb=1024))
    wait_for(lambda: client.get_usage({}, "c1")["instances"] == 1, timeout=5)
    assert client.get_usage({}, "c1")["used"] == {
        "vcpus": 1,
        "memory_mb": 1024,
        "disk_gb": 10,
    }
    _, state = wait_for(
        lambda: (r := recorder.last()) and instance in r[1].instances and r,
        timeout=5,
        what="a report listing the instance",
    )
    assert state.used == Resources(1, 1024, 10)


def test_what_does_not_fit_is_refused(compute, caplog):
    caplog.set_level(logging.WARNING)
    client = ComputeAPI(compute.transport, timeout=10)
    for _ in range(3):
        client.build_instance({}, "c1", new_uuid(), spec(vcpus=1))
    wait_for(lambda: client.get_usage({}, "c1")["refused"] == 1, timeout=5)
    usage = client.get_usage({}, "c1")
    assert usage["instances"] == 2 and usage["used"]["vcpus"] == 2


def test_a_state_report_can_be_requested(start):
    # The next periodic report is a minute away: what arrives was asked for.
    compute = start(
        "nova-compute", host="c2", overrides={"compute.state_report_interval": 60}
    )
    recorder = Recorder()
    server = oslo_messaging.get_rpc_server(
        compute.transport,
        oslo_messaging.Target(topic="scheduler", server="recorder"),
        [recorder],
    )
    server.start()
    try:
        before = len(recorder.reports)
        ComputeAPI(compute.transport).request_state_report({})
        wait_for(lambda: len(recorder.reports) > before, timeout=5)
    finally:
        server.stop()
        server.wait()
    assert recorder.last()[0] == "c2"


def test_malformed_build_is_dropped(compute, caplog):
    caplog.set_level(logging.WARNING)
    client = ComputeAPI(compute.transport, timeout=10)
    client.build_instance({}, "c1", new_uuid(), {"vcpus": -1})
    client.build_instance({}, "c1", new_uuid(), spec())
    wait_for(lambda: client.get_usage({}, "c1")["instances"] == 1, timeout=5)
    assert any("'vcpus'" in r.getMessage() for r in caplog.records)
