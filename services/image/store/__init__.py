"""Image data stores: a small driver interface and its plug-ins.

Drivers are entry points in the ``svc_launch.image.stores`` namespace,
chosen by ``[image] default_store``; the filesystem driver is bundled.
"""
