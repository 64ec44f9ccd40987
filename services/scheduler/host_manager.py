"""Every compute host one scheduler knows of, behind one lock.

Concurrent select_destinations calls are dispatched on a thread pool
(green threads under eventlet). Choosing a host and claiming its resources
in memory happen under the same lock, so two calls of one scheduler never
both aim at the last room on a host. The critical section is filters and
weighers over in-memory objects, microseconds per host, so one lock for
the whole table costs less than finer locking would save.

With a shared ledger (:class:`SharedClaims`, the database), each in-memory
claim is then confirmed there, *outside* the lock so that one scheduler's
database round trips overlap. A host another scheduler filled first loses
the confirmation; its in-memory claim is undone and the instance is
placed again among the remaining hosts.
"""

import collections
import datetime
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from oslo_utils import timeutils

from launcher import errors
from launcher.db.api import ServiceRow
from services.scheduler.exception import NoValidHost
from services.scheduler.host_state import HostReport, HostState, Resources
from services.scheduler.request_spec import Destination, RequestSpec
from services.scheduler.selection import Selector


class SharedClaims(Protocol):
    """Claims every scheduler sees (the database: ``db.ledger.ClaimLedger``)."""

    def claim(
        self,
        host: str,
        instance: str,
        resources: Resources,
        expires_at: datetime.datetime,
    ) -> bool: ...

    def release(self, instances: Iterable[str]) -> int: ...


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
        shared: SharedClaims | None = None,
    ) -> None:
        self.selector = selector
        self.claim_timeout = claim_timeout
        self.shared = shared
        self.counters: collections.Counter[str] = collections.Counter()
        self._clock = clock
        self._hosts: dict[str, HostState] = {}
        self._services: Mapping[str, ServiceRow] = {}
        self._expected: frozenset[str] = frozenset()
        self._cond = threading.Condition(threading.Lock())
        self._warm_until = clock() + warmup
        self._reports = 0  # bumped by every report, so a waiter sees news

    # -- reports -------------------------------------------------------------

    def update(self, host: str, report: HostReport) -> bool:
        """Apply a compute's report; False if it was older than one applied."""
        with self._cond:
            state = self._hosts.get(host)
            if state is None:
                state = self._hosts[host] = HostState(host)
                state.service = self._services.get(host)
            applied = state.apply(report, self._clock())
            self._reports += 1
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
        while True:
            with self._cond:
                seen = self._reports
            try:
                chosen = self._place(spec, instances)
            except NoValidHost:
                if self._wait_for_reports(seen):
                    continue
                raise
            with self._cond:
                self.counters["requests"] += 1
                self.counters["instances"] += len(chosen)
            return chosen

    def _wait_for_reports(self, seen: int) -> bool:
        """During warm-up, wait for news; False when NoValidHost must stand."""
        with self._cond:
            wait = self._warmup_wait()
            if wait <= 0:
                self.counters["no_valid_host"] += 1
                return False
            if self._reports == seen:
                self._cond.wait(wait)
            return True

    def _place(self, spec: RequestSpec, instances: Sequence[str]) -> list[Destination]:
        expires = self._clock() + self.claim_timeout
        chosen: list[tuple[HostState, str]] = []
        try:
            for index, instance in enumerate(instances, 1):
                which = f"instance {index} of {len(instances)}"
                host = self._place_one(spec, instance, which, expires)
                chosen.append((host, instance))
        except NoValidHost:
            self._undo(chosen)  # all or nothing
            raise
        return [Destination(host=h.host, instance_uuid=i) for h, i in chosen]

    def _place_one(
        self, spec: RequestSpec, instance: str, which: str, expires: float
    ) -> HostState:
        """Choose and claim in memory; confirm in the shared ledger, if any.

        A host lost to another scheduler is left out and the choice made
        again, so the instance goes to the best host that still has room.
        """
        lost: set[str] = set()
        while True:
            with self._cond:
                hosts = [h for h in self._hosts.values() if h.host not in lost]
                if lost and not hosts:
                    raise NoValidHost(reason=_all_lost(which, lost))
                host = self.selector.choose(hosts, spec, which)
                host.claim(instance, spec.resources, expires)
            if self._confirm(host, instance, spec.resources):
                return host
            with self._cond:
                host.cancel(instance)
                self.counters["claims_lost"] += 1
            lost.add(host.host)

    def _confirm(self, host: HostState, instance: str, resources: Resources) -> bool:
        if self.shared is None:
            return True
        expires_at = timeutils.utcnow() + datetime.timedelta(seconds=self.claim_timeout)
        try:
            return self.shared.claim(host.host, instance, resources, expires_at)
        except errors.LaunchError as exc:
            with self._cond:
                host.cancel(instance)
            raise NoValidHost(reason=f"cannot record the claim: {exc}") from exc

    def _undo(self, chosen: Sequence[tuple[HostState, str]]) -> None:
        with self._cond:
            for host, instance in chosen:
                host.cancel(instance)
        if self.shared is None or not chosen:
            return
        try:
            self.shared.release([instance for _, instance in chosen])
        except errors.LaunchError:
            pass  # the claims expire after claim_timeout

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


def _all_lost(which: str, lost: Iterable[str]) -> str:
    return (
        f"{which}: the shared claims ledger has no room on {', '.join(sorted(lost))} "
        "(other schedulers claimed it first, or the compute has not recorded "
        "a report there)"
    )
