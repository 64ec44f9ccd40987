"""The scheduler's shared claims ledger: its tables, alembic tree and API.

Importing this package does nothing. :mod:`.migration` is listed under the
``svc_launch.migrations`` entry point, so ``svc-launch db sync`` creates
these tables next to the launcher's ``services`` table.
"""
