"""ComputeManager: builds instances (fakely) and reports to the schedulers.

Each report goes first to the claims ledger in the shared database (the
schedulers' claims check against it), then to every scheduler by fanout
(their in-memory view, for filtering and weighing).
"""

import sys
import threading
from typing import Any

import oslo_messaging
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log as logging

from launcher import config, errors
from launcher.db.api import Database
from launcher.manager import Manager, periodic
from services.compute import opts
from services.compute.driver import FakeDriver
from services.scheduler.db.ledger import ClaimLedger
from services.scheduler.exception import InvalidRequestSpec
from services.scheduler.host_state import HostReport, Resources
from services.scheduler.request_spec import RequestSpec
from services.scheduler.rpcapi import SchedulerAPI

LOG = logging.getLogger(__name__)


class ComputeManager(Manager):
    """1.0 - build_instance, get_usage, request_state_report."""

    target = oslo_messaging.Target(version="1.0")

    def __init__(
        self, conf: cfg.ConfigOpts, host: str, binary: str, topic: str | None
    ) -> None:
        super().__init__(conf, host, binary, topic)
        opts.register(conf)
        config.validate(conf)
        group = conf.compute
        self.driver = FakeDriver(
            Resources(group.vcpus, group.memory_mb, group.disk_gb),
            group.availability_zone,
        )
        self._scheduler: SchedulerAPI | None = None
        self._database = Database.from_conf(conf)  # opened on first use
        self._ledger = ClaimLedger(self._database)
        self._report_lock = threading.Lock()
        self.set_periodic_spacing(_report_state=group.state_report_interval)

    # -- RPC API 1.0 ---------------------------------------------------------

    def build_instance(
        self, context: Any, instance_uuid: Any, request_spec: Any
    ) -> None:
        """A cast: what does not fit is refused and counted, never over-committed."""
        if not isinstance(instance_uuid, str) or not instance_uuid:
            LOG.warning("dropping a build without an instance_uuid")
            return
        try:
            resources = RequestSpec.from_primitive(request_spec, sys.maxsize).resources
        except InvalidRequestSpec as exc:
            LOG.warning("dropping build of %s: %s", instance_uuid, exc)
            return
        if self.driver.spawn(instance_uuid, resources):
            LOG.info("instance %s running with %s", instance_uuid, resources)
        else:
            LOG.warning(
                "refused instance %s: %s does not fit in what is free "
                "(another scheduler placed here first)",
                instance_uuid,
                resources,
            )

    def get_usage(self, context: Any) -> dict[str, Any]:
        usage = self.driver.usage()
        return {
            "host": self.host,
            "capacity": usage.capacity.to_primitive(),
            "used": usage.used.to_primitive(),
            "instances": len(usage.instances),
            "refused": usage.refused,
        }

    def request_state_report(self, context: Any) -> None:
        """A scheduler (re)started and wants the hosts' state now."""
        self._report(context)

    # -- periodic tasks --------------------------------------------------------

    @periodic(spacing=10, run_immediately=True)
    def _report_state(self, context: Any) -> None:
        self._report(context)

    def cleanup_host(self) -> None:
        self._database.dispose()

    def _report(self, context: Any) -> None:
        if self._scheduler is None:
            self._scheduler = SchedulerAPI(self.transport)
        with self._report_lock:  # the ledger gets reports in snapshot order
            report = self.driver.report()
            self._record(report)
        self._scheduler.update_host_state(context, self.host, report.to_primitive())

    def _record(self, report: HostReport) -> None:
        """Write the report to the ledger; schedulers cannot claim here without it."""
        try:
            self._ledger.record_report(self.host, report)
        except (errors.LaunchError, db_exc.DBError) as exc:
            LOG.warning("cannot record usage in the claims ledger: %s", exc)
