"""The nova-compute daemon, registered under ``svc_launch.services``."""

from launcher.definition import ServiceDefinition
from services.scheduler.topics import COMPUTE_TOPIC

COMPUTE = ServiceDefinition(
    binary="nova-compute",
    topic=COMPUTE_TOPIC,
    manager="services.compute.manager.ComputeManager",
    description="compute host with a fake driver; reports to nova-scheduler",
    options="services.compute.opts:list_opts",
)
