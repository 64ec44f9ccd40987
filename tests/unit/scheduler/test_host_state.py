"""Host reports and claims: what a scheduler believes is used on a host."""

import pytest

from services.scheduler.exception import InvalidHostState
from services.scheduler.host_state import HostReport, HostState, Resources
from tests.unit.scheduler.conftest import host, new_uuid, report

ONE = Resources(1, 1024, 10)


def test_claims_add_to_reported_usage_until_a_report_lists_them():
    state = host(vcpus=4)
    first, second = new_uuid(), new_uuid()
    state.claim(first, ONE, expires=100)
    state.claim(second, ONE, expires=100)
    assert state.used == Resources(2, 2048, 20)
    # The compute built the first one: its report counts it, the claim goes.
    state.apply(
        HostReport.from_primitive(report(4, used=(1, 1024, 10), instances=[first])),
        now=1,
    )
    assert state.pending_claims == 1
    assert state.used == Resources(2, 2048, 20)
    assert state.free == Resources(2, 8192 - 2048, 80)


def test_claims_expire_in_order_when_no_report_confirms_them():
    state = host()
    old, new = new_uuid(), new_uuid()
    state.claim(old, ONE, expires=10)
    state.claim(new, ONE, expires=20)
    assert state.expire_claims(now=15) == 1
    assert state.used == ONE
    assert state.expire_claims(now=25) == 1
    assert state.used == Resources()


def test_cancel_undoes_claim_and_count():
    state = host()
    instance = new_uuid()
    state.claim(instance, ONE, expires=10)
    state.cancel(instance)
    assert (state.used, state.placed) == (Resources(), 0)


def test_out_of_order_report_from_the_same_boot_is_ignored():
    state = HostState("h")
    assert state.apply(
        HostReport.from_primitive(report(used=(2, 0, 0), boot_id="b1", seq=2)), now=1
    )
    assert not state.apply(
        HostReport.from_primitive(report(used=(1, 0, 0), boot_id="b1", seq=1)), now=2
    )
    assert state.reported_used.vcpus == 2
    # A restarted compute numbers from 1 again under a new boot id.
    assert state.apply(
        HostReport.from_primitive(report(used=(0, 0, 0), boot_id="b2", seq=1)), now=3
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vcpus": "8"}, "vcpus"),
        ({"memory_mb_used": -1}, "memory_mb_used"),
        ({"instances": ["x"]}, "instances"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_bad_report_names_the_field(change, field):
    with pytest.raises(InvalidHostState) as caught:
        HostReport.from_primitive({**report(), **change})
    assert caught.value.kwargs["field"] == field


def test_report_without_a_field_is_refused():
    data = report()
    del data["disk_gb"]
    with pytest.raises(InvalidHostState, match="disk_gb"):
        HostReport.from_primitive(data)
