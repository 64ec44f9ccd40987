"""SchedulerManager: nova-scheduler's RPC endpoints and periodic tasks.

Everything here runs in the worker, after fork: options are registered on
the ConfigOpts the service passes in, plug-ins are loaded and checked in
``__init__`` (a bad filter name stops the worker with a config error,
which the supervisor does not retry), and the database is opened on first
use. The same database holds the claims ledger that makes placement exact
across schedulers (:mod:`services.scheduler.db.ledger`).
"""

import random
from typing import Any

import oslo_messaging
from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_log import log as logging
from oslo_utils import timeutils

from launcher import config, errors, status
from launcher.db.api import Database
from launcher.manager import Manager, periodic
from services.scheduler import filters, opts, weighers
from services.scheduler.db.ledger import ClaimLedger
from services.scheduler.exception import (
    InvalidHostState,
    InvalidRequestSpec,
    NoValidHost,
)
from services.scheduler.host_manager import HostManager
from services.scheduler.host_state import HostReport
from services.scheduler.request_spec import Destination, RequestSpec
from services.scheduler.rpcapi import ComputeAPI
from services.scheduler.selection import Selector

LOG = logging.getLogger(__name__)


def build_selector(conf: cfg.ConfigOpts) -> Selector:
    """The filters and weighers named by config, loaded and instantiated."""
    group = conf.filter_scheduler
    return Selector(
        filters.load(conf, group.enabled_filters),
        weighers.load(conf, group.enabled_weighers),
        group.host_subset_size,
        random.Random(),
    )


class SchedulerManager(Manager):
    """Chooses hosts from the reports computes fan out to every scheduler."""

    target = oslo_messaging.Target(version="1.1")

    def __init__(
        self, conf: cfg.ConfigOpts, host: str, binary: str, topic: str | None
    ) -> None:
        super().__init__(conf, host, binary, topic)
        opts.register(conf)
        config.validate(conf)
        group = conf.scheduler
        # Database() opens nothing until first use.
        self._database = Database.from_conf(conf)
        self.hosts = HostManager(
            build_selector(conf),
            group.claim_timeout,
            warmup=group.startup_wait,
            shared=ClaimLedger(self._database) if group.shared_claims else None,
        )
        self.set_periodic_spacing(
            _refresh_services=group.service_refresh_interval,
            _expire_hosts=group.expire_interval,
            _log_summary=group.summary_interval,
        )

    # -- lifecycle -------------------------------------------------------------

    def init_host(self) -> None:
        self._read_services()

    def post_start_hook(self) -> None:
        """Ask the computes to report now, rather than at their next interval."""
        try:
            ComputeAPI(self.transport).request_state_report(
                oslo_context.get_admin_context(), retry=0
            )
        except oslo_messaging.MessagingException as exc:
            LOG.warning("could not ask computes for their state: %s", exc)

    def cleanup_host(self) -> None:
        self._database.dispose()

    # -- RPC API 1.x -----------------------------------------------------------

    @oslo_messaging.expected_exceptions(NoValidHost, InvalidRequestSpec)
    def select_destinations(self, context: Any, request_spec: Any) -> list[Destination]:
        try:
            spec = RequestSpec.from_primitive(
                request_spec, self.conf.scheduler.max_instances_per_request
            )
        except InvalidRequestSpec as exc:
            LOG.warning("rejected a malformed request: %s", exc)
            raise
        try:
            return self.hosts.select(spec, spec.uuids())
        except NoValidHost as exc:
            LOG.info("%s (request %s)", exc, spec.to_primitive())
            raise

    def update_host_state(self, context: Any, host: Any, state: Any) -> None:
        """A cast: a bad report is logged and dropped, never answered."""
        if not isinstance(host, str) or not host:
            LOG.warning("dropping a host state report without a host name")
            return
        try:
            report = HostReport.from_primitive(state)
        except InvalidHostState as exc:
            LOG.warning("dropping host state report from %s: %s", host, exc)
            return
        if not self.hosts.update(host, report):
            LOG.debug("ignored an out-of-order report from %s", host)

    def get_host_states(self, context: Any) -> dict[str, Any]:
        """This scheduler's view, for operators and tests (1.1)."""
        return {"scheduler": self.host, **self.hosts.describe()}

    # -- periodic tasks (spacing from [scheduler] options) ---------------------

    @periodic(spacing=10, run_immediately=True)
    def _refresh_services(self, context: Any) -> None:
        self._read_services()

    @periodic(spacing=10)
    def _expire_hosts(self, context: Any) -> None:
        window = self.conf.scheduler.host_expire_after
        gone, claims = self.hosts.expire(window)
        if gone:
            LOG.warning(
                "dropped host(s) not heard from in %ss: %s", window, ", ".join(gone)
            )
        if claims:
            LOG.info("released %d claim(s) never confirmed by a report", claims)

    @periodic(spacing=60)
    def _log_summary(self, context: Any) -> None:
        view = self.hosts.describe()
        hosts = view["hosts"]
        LOG.info(
            "scheduler %s: %d host(s), %d request(s) placed, %d without a valid host",
            self.host,
            len(hosts),
            view["counters"].get("requests", 0),
            view["counters"].get("no_valid_host", 0),
        )
        for name, host in hosts.items():
            LOG.info("host %s: %s", name, _describe_free(host))

    # -- helpers -----------------------------------------------------------------

    def _db(self) -> Database:
        return self._database

    def _read_services(self) -> None:
        """Attach compute heartbeats to host states; keep the last on failure."""
        binary = self.conf.filter_scheduler.compute_binary
        try:
            rows = [r for r in self._db().list_services() if r.binary == binary]
        except errors.LaunchError as exc:
            LOG.warning("cannot read compute services; keeping the last known: %s", exc)
            return
        now, down = timeutils.utcnow(), self.conf.service_down_time
        expected = [
            r.host for r in rows if not r.disabled and status.judge(r, down, now).up
        ]
        self.hosts.set_services({r.host: r for r in rows}, expected)


def _describe_free(host: dict[str, Any]) -> str:
    free, capacity = host["free"], host["capacity"]
    parts = [f"{free[k]}/{capacity[k]} {k}" for k in ("vcpus", "memory_mb", "disk_gb")]
    return (
        f"zone {host['availability_zone'] or '-'}, free {', '.join(parts)}, "
        f"{host['pending_claims']} pending claim(s)"
    )
