"""Bundled daemons. Each is an ordinary plug-in of ``svc_launch.services``."""
