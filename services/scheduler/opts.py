"""nova-scheduler's options, registered on the ConfigOpts the manager is given.

``list_opts`` is the ``oslo.config.opts`` entry point
(``svc_launch.scheduler``) for oslo-config-generator.
"""

from collections.abc import Iterable

from oslo_config import cfg

SCHEDULER_GROUP = "scheduler"
FILTER_GROUP = "filter_scheduler"

DEFAULT_FILTERS = [
    "ComputeFilter",
    "AvailabilityZoneFilter",
    "RamFilter",
    "CoreFilter",
    "DiskFilter",
]
DEFAULT_WEIGHERS = ["RAMWeigher", "CoreWeigher"]

scheduler_opts = [
    cfg.IntOpt(
        "max_instances_per_request",
        default=100,
        min=1,
        help="Largest num_instances one select_destinations call may ask for.",
    ),
    cfg.BoolOpt(
        "shared_claims",
        default=True,
        help="Confirm every claim in the claims ledger of the shared database, "
        "so that several schedulers together never place more than a host "
        "holds. Costs one database transaction per instance; with a single "
        "scheduler, false keeps claims in memory only and is just as exact.",
    ),
    cfg.IntOpt(
        "claim_timeout",
        default=120,
        min=1,
        help="Seconds a chosen host keeps an instance's resources claimed while "
        "waiting for the compute's report to list it. A build that never "
        "arrives frees its claim after this long. Keep it well above the "
        "computes' [compute] state_report_interval.",
    ),
    cfg.IntOpt(
        "host_expire_after",
        default=60,
        min=1,
        help="A compute host not heard from for this many seconds is dropped "
        "from the scheduler's view until it reports again.",
    ),
    cfg.IntOpt(
        "expire_interval",
        default=10,
        min=1,
        help="Spacing, in seconds, of the task that drops silent hosts and "
        "timed-out claims.",
    ),
    cfg.IntOpt(
        "service_refresh_interval",
        default=10,
        min=1,
        help="Spacing, in seconds, of the task that re-reads compute services' "
        "heartbeats and disabled flags from the services table.",
    ),
    cfg.IntOpt(
        "summary_interval",
        default=60,
        min=1,
        help="Spacing, in seconds, of the log summary of hosts and free capacity.",
    ),
    cfg.FloatOpt(
        "startup_wait",
        default=5.0,
        min=0,
        help="For this many seconds after start, a request that finds no valid "
        "host waits for reports from computes the services table shows as up "
        "but that have not reported to this scheduler yet. 0 disables.",
    ),
]

filter_scheduler_opts = [
    cfg.ListOpt(
        "enabled_filters",
        default=DEFAULT_FILTERS,
        help="Filters to run, in order, by entry point name in the "
        "svc_launch.scheduler.filters namespace.",
    ),
    cfg.ListOpt(
        "enabled_weighers",
        default=DEFAULT_WEIGHERS,
        help="Weighers to apply, by entry point name in the "
        "svc_launch.scheduler.weighers namespace.",
    ),
    cfg.FloatOpt(
        "ram_weight_multiplier",
        default=1.0,
        help="RAMWeigher's multiplier: positive spreads instances to the hosts "
        "with most free RAM, negative packs them.",
    ),
    cfg.FloatOpt(
        "cpu_weight_multiplier",
        default=1.0,
        help="CoreWeigher's multiplier: positive spreads by free vCPUs, "
        "negative packs.",
    ),
    cfg.IntOpt(
        "host_subset_size",
        default=1,
        min=1,
        help="Pick at random among this many best-weighed hosts. Above 1 it "
        "lowers the chance that several schedulers race for the same host.",
    ),
    cfg.StrOpt(
        "compute_binary",
        default="nova-compute",
        help="Binary name of compute services in the services table, read by "
        "ComputeFilter.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(scheduler_opts, group=SCHEDULER_GROUP)
    conf.register_opts(filter_scheduler_opts, group=FILTER_GROUP)


def list_opts() -> Iterable[tuple[str, list[cfg.Opt]]]:
    return [(SCHEDULER_GROUP, scheduler_opts), (FILTER_GROUP, filter_scheduler_opts)]
