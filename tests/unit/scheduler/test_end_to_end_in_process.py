"""Scheduler and compute in one process, on one fake bus and one database."""

from launcher import config
from launcher.testing import wait_for
from services.scheduler.rpcapi import ComputeAPI, SchedulerAPI
from tests.unit.scheduler.conftest import spec


def test_select_then_build_raises_usage_and_the_next_report_carries_it(start):
    scheduler = start("nova-scheduler", host="s1")
    shared = {"database.connection": config.database_connection(scheduler.conf)}
    compute = start(
        "nova-compute",
        host="c1",
        transport=scheduler.transport,
        overrides={**shared, "compute.vcpus": 4, "compute.state_report_interval": 1},
    )
    schedulers = SchedulerAPI(scheduler.transport, timeout=10)
    computes = ComputeAPI(compute.transport, timeout=10)
    wait_for(
        lambda: "c1" in schedulers.get_host_states({})["hosts"],
        timeout=10,
        what="c1's first report",
    )
    scheduler.manager._refresh_services(None)

    chosen = schedulers.select_destinations({}, spec(vcpus=1, num_instances=2))
    assert [d["host"] for d in chosen] == ["c1", "c1"]
    for destination in chosen:
        computes.build_instance({}, "c1", destination["instance_uuid"], spec(vcpus=1))
    wait_for(
        lambda: computes.get_usage({}, "c1")["used"]["vcpus"] == 2,
        timeout=10,
        what="usage to rise on c1",
    )
    wait_for(
        lambda: schedulers.get_host_states({})["hosts"]["c1"]["used"]["vcpus"] == 2,
        timeout=10,
        what="the next report to carry the usage",
    )
