"""Test helpers that ship with svc-launch, so services test the way we do.

- :class:`launcher.testing.fixtures.ServiceFixture`: start a registered
  service in-process (fake transport, throwaway SQLite).
- the pytest plugin (auto-loaded): ``svc_launch_service`` factory fixture
  and ``--svc-launch-backend``.
- :func:`wait_for`: poll with a deadline.
"""

from launcher.testing.waiting import wait_for

__all__ = ["wait_for"]
