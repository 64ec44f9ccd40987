"""The glance-registry daemon, registered under ``svc_launch.services``."""

from launcher.definition import ApiSpec, ServiceDefinition

REGISTRY = ServiceDefinition(
    binary="glance-registry",
    topic="image-registry",
    manager="services.image.registry.manager.RegistryManager",
    api=ApiSpec(
        paste_ini="services.image.etc:glance-registry-paste.ini",
        default_port=9191,
        default_host="127.0.0.1",
    ),
    rpc=False,
    description="image metadata database behind an internal JSON API",
    options="services.image.registry.opts:list_opts",
)
