"""Packaged paste ini for neutron-server (a package so it ships)."""
