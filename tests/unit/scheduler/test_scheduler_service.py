"""nova-scheduler in-process on the fake transport, driven through SchedulerAPI."""

import logging
import time

import oslo_messaging
import pytest

from launcher.testing import wait_for
from services.scheduler.db.ledger import ClaimLedger
from services.scheduler.exception import InvalidRequestSpec, NoValidHost
from services.scheduler.host_state import HostReport
from services.scheduler.manager import SchedulerManager
from services.scheduler.rpcapi import SchedulerAPI
from tests.unit.scheduler.conftest import report, spec


@pytest.fixture
def scheduler(start):
    return start("nova-scheduler", host="s1")


def api(service, **kwargs):
    return SchedulerAPI(service.transport, timeout=10, **kwargs)


def bring_up(service, **hosts):
    """Heartbeat rows and a report for each host, then the refresh task.

    Each report also goes to the claims ledger, as a compute's would.
    """
    client = api(service)
    ledger = ClaimLedger(service.database)
    for name, state in hosts.items():
        service.database.heartbeat(name, "nova-compute", "compute")
        ledger.record_report(name, HostReport.from_primitive(state))
        client.update_host_state({}, name, state)
    wait_for(
        lambda: set(hosts) <= set(client.get_host_states({})["hosts"]),
        timeout=5,
        what="reports to arrive",
    )
    service.manager._refresh_services(None)


def test_select_destinations_spreads_and_claims(scheduler):
    bring_up(scheduler, c1=report(vcpus=4), c2=report(vcpus=4))
    chosen = api(scheduler).select_destinations({}, spec(num_instances=4))
    assert sorted(d["host"] for d in chosen) == ["c1", "c1", "c2", "c2"]
    view = api(scheduler).get_host_states({})
    assert view["scheduler"] == "s1"
    assert view["counters"] == {"requests": 1, "instances": 4}
    assert {h["pending_claims"] for h in view["hosts"].values()} == {2}


def test_no_valid_host_reaches_the_caller_at_once(scheduler):
    bring_up(scheduler, c1=report(memory_mb=1024))
    started = time.monotonic()
    with pytest.raises(NoValidHost, match="RamFilter rejected"):
        api(scheduler).select_destinations({}, spec(memory_mb=2048))
    assert time.monotonic() - started < 2


def test_malformed_spec_names_the_field_and_the_server_keeps_serving(scheduler):
    bring_up(scheduler, c1=report())
    client = api(scheduler)
    with pytest.raises(InvalidRequestSpec) as caught:
        client.select_destinations({}, spec(memory_mb="lots"))
    assert caught.value.field == "memory_mb"
    with pytest.raises(InvalidRequestSpec, match="'num_instances'"):
        client.select_destinations({}, spec(num_instances=1000))
    assert client.select_destinations({}, spec())[0]["host"] == "c1"


def test_bad_report_is_dropped_and_logged(scheduler, caplog):
    caplog.set_level(logging.WARNING)
    client = api(scheduler)
    client.update_host_state({}, "c9", {**report(), "vcpus": "many"})
    client.update_host_state({}, "c1", report())
    wait_for(lambda: "c1" in client.get_host_states({})["hosts"], timeout=5)
    assert "c9" not in client.get_host_states({})["hosts"]
    assert any(
        "c9" in r.getMessage() and "'vcpus'" in r.getMessage() for r in caplog.records
    )


def test_disabled_or_unknown_compute_is_not_chosen(scheduler):
    bring_up(scheduler, c1=report(), c2=report())
    scheduler.database.set_disabled("c1", "nova-compute", True, "maintenance")
    scheduler.manager._refresh_services(None)
    chosen = api(scheduler).select_destinations({}, spec(num_instances=3))
    assert {d["host"] for d in chosen} == {"c2"}
    api(scheduler).update_host_state({}, "c3", report())  # no heartbeat row
    scheduler.database.set_disabled("c2", "nova-compute", True)
    scheduler.manager._refresh_services(None)
    with pytest.raises(NoValidHost, match="ComputeFilter rejected the remaining"):
        api(scheduler).select_destinations({}, spec())


def test_deployer_filter_enabled_by_config(start):
    filters = "ComputeFilter,RamFilter,DeniedHostsFilter"
    scheduler = start(
        "nova-scheduler",
        overrides={
            "filter_scheduler.enabled_filters": filters,
            "schedplugin.denied_hosts": ["c1"],
        },
    )
    bring_up(scheduler, c1=report(), c2=report())
    chosen = api(scheduler).select_destinations({}, spec(num_instances=3))
    assert {d["host"] for d in chosen} == {"c2"}


def test_unknown_filter_stops_the_worker_with_a_config_error(start):
    with pytest.raises(Exception) as caught:  # fixtures wraps the ConfigError
        start(
            "nova-scheduler",
            overrides={
                "filter_scheduler.enabled_filters": ["RamFilter", "NoSuchFilter"]
            },
        )
    assert "ConfigError" in repr(caught.value)
    assert "NoSuchFilter" in repr(caught.value)


def test_periodic_spacing_comes_from_config(start, caplog):
    caplog.set_level(logging.INFO, logger="services.scheduler.manager")
    scheduler = start(
        "nova-scheduler",
        overrides={
            "scheduler.expire_interval": 1,
            "scheduler.host_expire_after": 1,
            "scheduler.summary_interval": 1,
        },
    )
    spacing = scheduler.manager._periodic_spacing
    assert (spacing["_expire_hosts"], spacing["_log_summary"]) == (1, 1)
    assert SchedulerManager._periodic_spacing["_expire_hosts"] == 10  # class intact
    api(scheduler).update_host_state({}, "c1", report())
    wait_for(
        lambda: any("host(s) not heard from" in r.getMessage() for r in caplog.records),
        timeout=10,
        what="expiry",
    )
    assert api(scheduler).get_host_states({})["hosts"] == {}
    assert any(
        r.getMessage().startswith("host c1: zone nova, free 8/8 vcpus")
        for r in caplog.records
    )


def test_version_cap_keeps_new_methods_from_old_servers(scheduler):
    capped = api(scheduler, version_cap="1.0")
    assert not capped.can_send_version("1.1")
    with pytest.raises(oslo_messaging.RPCVersionCapError):
        capped.get_host_states({})
