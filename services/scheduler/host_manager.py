"""Every compute host one scheduler knows of, behind one lock.

Concurrent select_destinations calls are dispatched on a thread pool
(green threads under eventlet). Choosing a host and claiming its resources
happen under the same lock, so two calls can never both take the last room
on a host: that is the one-scheduler guarantee. The critical section is
filters and weighers over in-memory objects, microseconds per host, so one
lock for the whole table costs less than finer locking would save.
"""

import collections
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from launcher.db.api import ServiceRow
from services.scheduler.exception import NoValidHost
from services.scheduler.host_state import HostReport, HostState
from services.scheduler.request_spec import Destination, RequestSpec
from services.scheduler.selection import Selector


class HostManager:
    """Host states fed by reports, consumed by selections.

    ``warmup`` seconds after start, a selection that finds no valid host
    while computes known to be up have not reported yet waits for their
    reports instead of failing: a freshly (re)started scheduler would
    otherwise refuse its first calls for want of the reports it asked for.
    """

    def __init__(
        self,
        selector: Selector,
        claim_timeout: float,
        *,
        warmup: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.selector = selector
        self.claim_timeout = claim_timeout
        self.counters: collections.Counter[str] = collections.Counter()
        self._clock = clock
        self._hosts: dict[str, HostState] = {}
        self._services: Mapping[str, ServiceRow] = {}
        self._expected: frozenset[str] = frozenset()
        self._cond = threading.Condition(threading.Lock())
        self._warm_until = clock() + warmup

    # -- reports -------------------------------------------------------------

    def update(self, host: str, report: HostReport) -> bool:
        """Apply a compute's report; False if it was older than one applied."""
        with self._cond:
            state = self._hosts.get(host)
            if state is None:
                state = self._hosts[host] = HostState(host)
                state.service = self._services.get(host)
            applied = state.apply(report, self._clock())
            self._cond.notify_all()
            return applied

    def set_services(
        self, rows: Mapping[str, ServiceRow], expected: Iterable[str] = ()
    ) -> None:
        """Attach heartbeat rows by host; ``expected`` are the up, enabled ones."""
        with self._cond:
            self._services = dict(rows)
            self._expected = frozenset(expected)
            for name, state in self._hosts.items():
                state.service = self._services.get(name)

    def expire(self, window: float) -> tuple[list[str], int]:
        """Forget hosts silent for ``window`` s; drop timed-out claims.

        Returns the hosts dropped and the number of claims expired.
        """
        with self._cond:
            now = self._clock()
            gone = sorted(
                n for n, s in self._hosts.items() if now - s.last_heard > window
            )
            for name in gone:
                del self._hosts[name]
            claims = sum(s.expire_claims(now) for s in self._hosts.values())
            return gone, claims

    # -- selections ----------------------------------------------------------

    def select(self, spec: RequestSpec, instances: Sequence[str]) -> list[Destination]:
        """A host per instance, all claimed, or NoValidHost and nothing claimed."""
        with self._cond:
            while True:
                try:
                    chosen = self._place(spec, instances)
                except NoValidHost:
                    wait = self._warmup_wait()
                    if wait <= 0:
                        self.counters["no_valid_host"] += 1
                        raise
                    self._cond.wait(wait)
                    continue
                self.counters["requests"] += 1
                self.counters["instances"] += len(chosen)
                return chosen

    def _place(self, spec: RequestSpec, instances: Sequence[str]) -> list[Destination]:
        expires = self._clock() + self.claim_timeout
        hosts = list(self._hosts.values())
        chosen: list[tuple[HostState, str]] = []
        try:
            for index, instance in enumerate(instances, 1):
                which = f"instance {index} of {len(instances)}"
                host = self.selector.choose(hosts, spec, which)
                host.claim(instance, spec.resources, expires)
                chosen.append((host, instance))
        except NoValidHost:
            for host, instance in chosen:  # all or nothing
                host.cancel(instance)
            raise
        return [Destination(host=h.host, instance_uuid=i) for h, i in chosen]

    def _warmup_wait(self) -> float:
        remaining = self._warm_until - self._clock()
        if remaining > 0 and self._expected - self._hosts.keys():
            return remaining
        return 0.0

    # -- introspection -------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        with self._cond:
            now = self._clock()
            return {
                "hosts": {n: s.describe(now) for n, s in sorted(self._hosts.items())},
                "counters": dict(self.counters),
            }
