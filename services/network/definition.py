"""The neutron-server daemon, registered under ``svc_launch.services``."""

from launcher.definition import ApiSpec, ServiceDefinition

SERVER = ServiceDefinition(
    binary="neutron-server",
    topic="q-plugin",
    manager="services.network.manager.NetworkManager",
    api=ApiSpec(
        paste_ini="services.network.etc:neutron-server-paste.ini",
        default_port=9696,
        default_host="0.0.0.0",
        workers_opt="api_workers",
    ),
    rpc=True,
    description="Networking API v2.0; core plugin loaded by name; agent RPC",
    options="services.network.opts:list_opts",
)
