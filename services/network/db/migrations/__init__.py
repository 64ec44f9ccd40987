"""neutron-server's alembic tree; run it with :mod:`launcher.db.migration`.

A package only so that setuptools ships ``env.py`` and ``versions/``.
"""
