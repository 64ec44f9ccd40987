"""Host weighers: rank the hosts that passed the filters.

Each weigher gives every candidate a raw number; the numbers are scaled to
0..1 across the candidates (so a weigher's unit does not matter) and
multiplied by the weigher's multiplier from config. The host with the
largest sum wins. A positive multiplier spreads load (most free first), a
negative one packs it, zero switches the weigher off.
"""

import abc
from collections.abc import Sequence

from oslo_config import cfg

from services.scheduler import plugins
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec

NAMESPACE = "svc_launch.scheduler.weighers"


class BaseHostWeigher(abc.ABC):
    """Built once per scheduler worker; runs under the scheduler's lock."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.conf = conf

    @property
    def name(self) -> str:
        return type(self).__name__

    @abc.abstractmethod
    def multiplier(self) -> float:
        """How much this weigher counts, from config."""

    @abc.abstractmethod
    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        """The raw, unscaled score of ``host``: higher is preferred."""


def load(conf: cfg.ConfigOpts, names: Sequence[str]) -> list[BaseHostWeigher]:
    return plugins.load(
        conf, NAMESPACE, names, BaseHostWeigher, "[filter_scheduler] enabled_weighers"
    )


def weigh_hosts(
    hosts: Sequence[HostState], spec: RequestSpec, weighers: Sequence[BaseHostWeigher]
) -> list[float]:
    """The combined weight of each host, in the order given."""
    totals = [0.0] * len(hosts)
    for weigher in weighers:
        multiplier = weigher.multiplier()
        if not multiplier:
            continue
        raw = [weigher.weigh(host, spec) for host in hosts]
        low, span = min(raw), max(raw) - min(raw)
        if not span:
            continue  # every host scores the same: no preference
        for i, value in enumerate(raw):
            totals[i] += multiplier * (value - low) / span
    return totals
