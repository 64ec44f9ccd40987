"""svc-launch: start and keep alive OpenStack-style daemons.

Importing this package has no side effects: the backend is chosen by
:mod:`launcher.cli` (or the test plugin) before anything else is imported.
"""
