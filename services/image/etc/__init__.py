"""Packaged paste ini files of glance-api and glance-registry (data only)."""
