"""The launcher's own database: the ``services`` heartbeat table.

Importing this package does nothing; :mod:`launcher.db.api` builds engines
lazily and :mod:`launcher.db.migration` runs the alembic tree shipped in
``launcher/db/migrations``.
"""
