"""neutron-server: a Networking API v2.0 daemon with a pluggable core plugin."""
