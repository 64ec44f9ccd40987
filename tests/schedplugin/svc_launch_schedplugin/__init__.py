"""A deployer's scheduler plug-ins, packaged apart from svc-launch."""
