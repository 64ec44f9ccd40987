"""Helpers for the scheduler's unit tests.

``start`` is ``svc_launch_service`` that also registers the deployer
filter's [schedplugin] options, so tests can override them; the
scheduler's and compute's own groups come from their definitions.
"""

import datetime
import uuid

import pytest

from services.compute import opts as compute_opts
from services.scheduler import opts as scheduler_opts
from services.scheduler.host_state import HostReport, HostState, Resources
from services.scheduler.request_spec import RequestSpec


def _register_own(conf):
    from svc_launch_schedplugin import filters as plugin_filters

    scheduler_opts.register(conf)
    compute_opts.register(conf)
    conf.register_opts(plugin_filters.OPTS, group=plugin_filters.GROUP)


@pytest.fixture
def start(svc_launch_service):
    """``svc_launch_service`` that also knows the deployer filter's options."""
    from svc_launch_schedplugin import filters as plugin_filters

    def start_service(binary, **kwargs):
        kwargs.setdefault("extra_opts", [(plugin_filters.GROUP, plugin_filters.OPTS)])
        return svc_launch_service(binary, **kwargs)

    return start_service


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
