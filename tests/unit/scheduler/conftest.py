"""Helpers for the scheduler's unit tests.

``start`` is ``svc_launch_service`` plus overrides of options that the
managers register themselves ([scheduler], [filter_scheduler], [compute],
and the deployer filter's [schedplugin]). ServiceFixture applies overrides
before the manager exists, so those groups are not registered yet; until
the launcher registers a definition's options up front, this wraps the
fixture's conf factory to register them first.
"""

import datetime
import uuid

import pytest

from launcher.testing import fixtures as svc_fixtures
from services.compute import opts as compute_opts
from services.scheduler import opts as scheduler_opts
from services.scheduler.host_state import HostReport, HostState, Resources
from services.scheduler.request_spec import RequestSpec

OWN_GROUPS = ("scheduler", "filter_scheduler", "compute", "schedplugin")


def _register_own(conf):
    from svc_launch_schedplugin import filters as plugin_filters

    scheduler_opts.register(conf)
    compute_opts.register(conf)
    conf.register_opts(plugin_filters.OPTS, group=plugin_filters.GROUP)


@pytest.fixture
def start(svc_launch_service, monkeypatch):
    original = svc_fixtures._make_conf

    def make_conf(definition, state_path, overrides):
        ours = {k: v for k, v in overrides.items() if k.split(".")[0] in OWN_GROUPS}
        rest = {k: v for k, v in overrides.items() if k not in ours}
        conf = original(definition, state_path, rest)
        _register_own(conf)
        for key, value in ours.items():
            group, _, name = key.rpartition(".")
            conf.set_override(name, value, group=group)
        return conf

    monkeypatch.setattr(svc_fixtures, "_make_conf", make_conf)
    return svc_launch_service


def report(
    vcpus=8,
    memory_mb=8192,
    disk_gb=100,
    *,
    used=(0, 0, 0),
    zone="nova",
    instances=(),
    boot_id=None,
    seq=None,
):
    """A compute's report, as the wire carries it."""
    return HostReport(
        capacity=Resources(vcpus, memory_mb, disk_gb),
        used=Resources(*used),
        availability_zone=zone,
        instances=frozenset(instances),
        boot_id=boot_id,
        seq=seq,
    ).to_primitive()


def spec(vcpus=1, memory_mb=1024, disk_gb=10, **extra):
    return {"vcpus": vcpus, "memory_mb": memory_mb, "disk_gb": disk_gb, **extra}


def parsed(**kwargs):
    return RequestSpec.from_primitive(spec(**kwargs), max_instances=100)


def host(name="h1", *, vcpus=8, memory_mb=8192, disk_gb=100, zone="nova", now=0.0):
    state = HostState(name)
    state.apply(
        HostReport.from_primitive(report(vcpus, memory_mb, disk_gb, zone=zone)), now
    )
    return state


def new_uuid():
    return str(uuid.uuid4())


def utc(seconds_ago=0):
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return now - datetime.timedelta(seconds=seconds_ago)


def make_conf(**overrides):
    """A parsed ConfigOpts with the framework's and the scheduler's options.

    ``overrides`` use "group.option" keys, like the service fixture's.
    """
    from launcher import config

    conf = config.new_conf()
    conf([], project=config.PROJECT, default_config_files=[])
    _register_own(conf)
    for key, value in overrides.items():
        group, _, name = key.rpartition(".")
        conf.set_override(name, value, group=group or None)
    return conf
