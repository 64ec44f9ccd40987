"""Periodic-task spacing taken from config, per manager instance.

oslo.service fixes a task's spacing in the ``periodic_task`` decorator, at
class creation, and its ``add_periodic_task`` would change the class for
every instance. Shadowing the class's spacing table on the instance keeps
two managers with different config (two services in one test process)
independent. (A candidate for launcher.manager; see docs/scheduler.md.)
"""

from collections.abc import Mapping

from launcher.manager import Manager


def set_spacing(manager: Manager, spacing: Mapping[str, float]) -> None:
    """Set the spacing, in seconds, of the named periodic tasks of ``manager``."""
    table = dict(manager._periodic_spacing)
    unknown = sorted(set(spacing) - set(table))
    if unknown:
        raise ValueError(f"{type(manager).__name__} has no periodic task {unknown}")
    table.update(spacing)
    manager._periodic_spacing = table
