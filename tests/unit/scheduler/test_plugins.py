"""Filters and weighers are loaded by name, strictly, including a deployer's."""

import pytest

from launcher import errors
from services.scheduler import filters, weighers
from services.scheduler.filters.ram import RamFilter
from tests.unit.scheduler.conftest import host, make_conf, parsed


def test_names_load_in_config_order():
    conf = make_conf()
    loaded = filters.load(conf, ["RamFilter", "ComputeFilter", "DiskFilter"])
    assert [f.name for f in loaded] == ["RamFilter", "ComputeFilter", "DiskFilter"]
    assert [w.name for w in weighers.load(conf, ["CoreWeigher"])] == ["CoreWeigher"]


def test_deployer_filter_from_its_own_package_is_loaded_by_name():
    conf = make_conf(**{"schedplugin.denied_hosts": ["h2"]})
    (denied,) = filters.load(conf, ["DeniedHostsFilter"])
    assert type(denied).__module__ == "svc_launch_schedplugin.filters"
    assert denied.host_passes(host("h1"), parsed())
    assert not denied.host_passes(host("h2"), parsed())


def test_unknown_name_is_a_config_error_listing_what_is_installed():
    with pytest.raises(errors.ConfigError) as caught:
        filters.load(make_conf(), ["RamFilter", "RamFiltr"])
    message = str(caught.value)
    assert "RamFiltr" in message and "enabled_filters" in message
    assert "svc_launch.scheduler.filters" in message
    assert "RamFilter" in message.split("installed:")[1]


def test_broken_entry_point_is_named_with_its_import_error():
    with pytest.raises(errors.ConfigError) as caught:
        filters.load(make_conf(), ["BrokenFilter"])
    assert "BrokenFilter" in str(caught.value)
    assert "ModuleNotFoundError" in str(caught.value)


def test_entry_point_that_is_not_a_filter_is_refused():
    with pytest.raises(errors.ConfigError, match=r"NotAFilter.*not a .*BaseHostFilter"):
        filters.load(make_conf(), ["NotAFilter"])


def test_a_filter_is_not_a_weigher():
    with pytest.raises(errors.ConfigError, match="not found"):
        weighers.load(make_conf(), ["RamFilter"])
    assert issubclass(RamFilter, filters.BaseHostFilter)


def test_broken_entry_points_not_named_do_not_matter():
    assert len(filters.load(make_conf(), ["RamFilter"])) == 1
