"""Networking API v2.0: routing, resources, list helpers, faults, documents."""
