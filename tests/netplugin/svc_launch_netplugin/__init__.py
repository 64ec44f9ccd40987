"""A deployer's neutron-server core plugin, for svc-launch's tests."""
