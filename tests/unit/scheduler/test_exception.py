"""Scheduler errors survive oslo.messaging's remote-exception round trip."""

import sys

import oslo_messaging
from oslo_messaging._drivers import common

from services.scheduler import exception


def round_trip(exc, allowed):
    try:
        raise exc
    except exception.SchedulerError:
        data = common.serialize_remote_exception(sys.exc_info())
    return common.deserialize_remote_exception(data, allowed)


def test_allowed_module_gives_the_real_class_with_its_fields():
    back = round_trip(
        exception.InvalidRequestSpec(field="vcpus", reason="expected an integer"),
        exception.ALLOWED_REMOTE_EXMODS,
    )
    assert isinstance(back, exception.InvalidRequestSpec)
    assert back.field == "vcpus"
    assert str(back).startswith("Invalid request_spec field 'vcpus'")


def test_no_valid_host_round_trips():
    back = round_trip(
        exception.NoValidHost(reason="RamFilter"), exception.ALLOWED_REMOTE_EXMODS
    )
    assert isinstance(back, exception.NoValidHost)
    assert "RamFilter" in str(back)


def test_without_the_module_allowed_it_is_still_a_clear_remote_error():
    back = round_trip(exception.NoValidHost(reason="RamFilter"), [])
    assert isinstance(back, oslo_messaging.RemoteError)
    assert back.exc_type == "NoValidHost"
    assert "RamFilter" in back.value
