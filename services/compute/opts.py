"""nova-compute's options: what the fake driver pretends to have.

``list_opts`` is the ``oslo.config.opts`` entry point (``svc_launch.compute``).
"""

from collections.abc import Iterable

from oslo_config import cfg

GROUP = "compute"

compute_opts = [
    cfg.IntOpt("vcpus", default=8, min=0, help="vCPUs this host offers."),
    cfg.IntOpt("memory_mb", default=16384, min=0, help="RAM this host offers, MiB."),
    cfg.IntOpt("disk_gb", default=200, min=0, help="Disk this host offers, GiB."),
    cfg.StrOpt(
        "availability_zone",
        default="nova",
        help="Availability zone this host reports, matched by AvailabilityZoneFilter.",
    ),
    cfg.IntOpt(
        "state_report_interval",
        default=10,
        min=1,
        help="Spacing, in seconds, of the report of capacity and usage sent to "
        "every scheduler. Keep it well below the schedulers' "
        "[scheduler] host_expire_after and claim_timeout.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(compute_opts, group=GROUP)


def list_opts() -> Iterable[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, compute_opts)]
