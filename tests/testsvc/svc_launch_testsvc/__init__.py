"""Test-only daemons for svc-launch's own tests."""
