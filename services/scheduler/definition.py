"""The nova-scheduler daemon, registered under ``svc_launch.services``."""

from launcher.definition import ServiceDefinition
from services.scheduler.topics import SCHEDULER_TOPIC

SCHEDULER = ServiceDefinition(
    binary="nova-scheduler",
    topic=SCHEDULER_TOPIC,
    manager="services.scheduler.manager.SchedulerManager",
    description="chooses compute hosts for instances (select_destinations)",
    options="services.scheduler.opts:list_opts",
)
