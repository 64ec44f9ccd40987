from launcher.definition import ApiSpec, ServiceDefinition

ECHO = ServiceDefinition(
    binary="test-echo",
    topic="test-echo",
    manager="svc_launch_testsvc.managers.EchoManager",
    description="RPC echo service used by svc-launch's tests",
)

API = ServiceDefinition(
    binary="test-api",
    topic="test-api",
    manager="svc_launch_testsvc.managers.EchoManager",
    api=ApiSpec(
        paste_ini="svc_launch_testsvc:test-api-paste.ini",
        default_port=0,
        default_host="127.0.0.1",
        workers_opt="api_workers",
    ),
    rpc=True,
)

CRASH = ServiceDefinition(
    binary="test-crash",
    topic="test-crash",
    manager="svc_launch_testsvc.managers.CrashingManager",
)

BADCONFIG = ServiceDefinition(
    binary="test-badconfig",
    topic="test-badconfig",
    manager="svc_launch_testsvc.managers.BadConfigManager",
)

BAD_OPTIONS = ServiceDefinition(
    binary="test-badopts",
    topic="test-badopts",
    manager="svc_launch_testsvc.managers.EchoManager",
    options="svc_launch_testsvc.no_such_module:list_opts",
)

NOT_A_DEFINITION = {"binary": "test-notadef"}
