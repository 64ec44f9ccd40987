"""The glance-api daemon, registered under ``svc_launch.services``."""

from launcher.definition import ApiSpec, ServiceDefinition

API = ServiceDefinition(
    binary="glance-api",
    topic="image",
    manager="services.image.api.manager.ImageApiManager",
    api=ApiSpec(
        paste_ini="services.image.etc:glance-api-paste.ini",
        default_port=9292,
        default_host="0.0.0.0",
    ),
    rpc=False,
    description="Image API v2; image data in a store, metadata in glance-registry",
    options="services.image.api.opts:list_opts",
)
