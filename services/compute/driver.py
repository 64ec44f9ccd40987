"""A fake virt driver: instances are bookkeeping, capacity comes from config.

The driver is the host's own authority on capacity. The scheduler's claims
keep one scheduler from over-placing; several schedulers can still race
for the last room on a host, and then the driver is what refuses the
instance that does not fit, so the host itself is never over-committed.
"""

import dataclasses
import itertools
import threading
import uuid

from services.scheduler.host_state import HostReport, Resources


@dataclasses.dataclass(frozen=True)
class Usage:
    capacity: Resources
    used: Resources
    instances: frozenset[str]
    refused: int


class FakeDriver:
    def __init__(self, capacity: Resources, availability_zone: str) -> None:
        self.capacity = capacity
        self.availability_zone = availability_zone
        self._instances: dict[str, Resources] = {}
        self._used = Resources()
        self._refused = 0
        self._lock = threading.Lock()
        self._boot_id = str(uuid.uuid4())
        self._seq = itertools.count(1)

    def spawn(self, instance_uuid: str, resources: Resources) -> bool:
        """Run the instance if it fits; False if it would over-commit the host.

        Idempotent: a second build of the same instance changes nothing.
        """
        with self._lock:
            if instance_uuid in self._instances:
                return True
            if not resources.fits_in(self.capacity - self._used):
                self._refused += 1
                return False
            self._instances[instance_uuid] = resources
            self._used = self._used + resources
            return True

    def usage(self) -> Usage:
        with self._lock:
            return Usage(
                self.capacity, self._used, frozenset(self._instances), self._refused
            )

    def report(self) -> HostReport:
        """A snapshot for the schedulers, numbered in the order it was taken."""
        with self._lock:
            return HostReport(
                capacity=self.capacity,
                used=self._used,
                availability_zone=self.availability_zone,
                instances=frozenset(self._instances),
                boot_id=self._boot_id,
                seq=next(self._seq),
            )
