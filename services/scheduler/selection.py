"""Choose one host for one instance: filter, weigh, break ties.

Pure policy, no state and no locking: :class:`HostManager` calls
:meth:`Selector.choose` under its lock and records the claim.
"""

import random
from collections.abc import Sequence

from services.scheduler.exception import NoValidHost
from services.scheduler.filters import BaseHostFilter
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec
from services.scheduler.weighers import BaseHostWeigher, weigh_hosts


class Selector:
    """The filters and weighers of one scheduler, and how it breaks ties.

    ``subset_size`` > 1 picks at random among that many best hosts. Hosts
    with equal best weight are always picked at random: several schedulers
    fed the same reports would otherwise all choose the same host.
    """

    def __init__(
        self,
        filters: Sequence[BaseHostFilter],
        weighers: Sequence[BaseHostWeigher],
        subset_size: int = 1,
        rng: random.Random | None = None,
    ) -> None:
        self.filters = list(filters)
        self.weighers = list(weighers)
        self.subset_size = subset_size
        self._rng = rng or random.Random()

    def choose(
        self, hosts: Sequence[HostState], spec: RequestSpec, which: str
    ) -> HostState:
        """The host for one more instance; NoValidHost names the filter that
        emptied the list."""
        candidates = self.filter(hosts, spec, which)
        weights = weigh_hosts(candidates, spec, self.weighers)
        return self._pick(candidates, weights)

    def filter(
        self, hosts: Sequence[HostState], spec: RequestSpec, which: str
    ) -> list[HostState]:
        if not hosts:
            raise NoValidHost(reason=f"{which}: no compute host has reported")
        remaining = list(hosts)
        for host_filter in self.filters:
            before = len(remaining)
            remaining = [h for h in remaining if host_filter.host_passes(h, spec)]
            if not remaining:
                raise NoValidHost(
                    reason=f"{which}: {host_filter.name} rejected the remaining "
                    f"{before} of {len(hosts)} host(s)"
                )
        return remaining

    def _pick(self, hosts: list[HostState], weights: list[float]) -> HostState:
        ranked = sorted(range(len(hosts)), key=weights.__getitem__, reverse=True)
        best = weights[ranked[0]]
        tied = sum(1 for i in ranked if weights[i] == best)
        pool = ranked[: max(self.subset_size, tied)]
        return hosts[self._rng.choice(pool)]
