import os
import re
import time

import oslo_messaging
from oslo_log import log as logging

from launcher import errors
from launcher.manager import Manager, periodic

LOG = logging.getLogger(__name__)


class EchoManager(Manager):
    target = oslo_messaging.Target(version="1.1")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.records: list = []
        self.ticks = 0

    def echo(self, context, value):
        return value

    def whoami(self, context):
        return {"host": self.host, "pid": os.getpid()}

    def slow(self, context, seconds):
        LOG.info("slow call started for %ss", seconds)
        time.sleep(seconds)
        return {"slept": seconds, "pid": os.getpid()}

    def request_ids(self, context):
        LOG.info("request ids seen by the RPC side")
        return {"local": context.request_id, "global": context.global_request_id}

    def spin(self, context):
        """Stuck for good: a catastrophic regex holds the GIL (and the hub)."""
        LOG.info("spinning in pid %d", os.getpid())
        re.match(r"(a+)+$", "a" * 64 + "b")

    def record(self, context, value):
        self.records.append(value)

    def get_records(self, context):
        return list(self.records)

    def get_ticks(self, context):
        return self.ticks

    @periodic(spacing=1, run_immediately=True)
    def tick(self, context):
        self.ticks += 1

    @periodic(spacing=1, run_immediately=True)
    def broken_task(self, context):
        raise RuntimeError("this periodic task always fails")


class CrashingManager(Manager):
    def init_host(self):
        raise RuntimeError("simulated start-up crash")


class BadConfigManager(Manager):
    def init_host(self):
        raise errors.ConfigError("simulated bad option", "set [test] thing")
