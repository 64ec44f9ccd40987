"""Host filters: each says yes or no to one host for one instance.

A filter is a :class:`BaseHostFilter` subclass registered under the entry
point namespace :data:`NAMESPACE`; ``[filter_scheduler] enabled_filters``
names the ones to run, in order. A deployer adds one from their own
package the same way (see docs/scheduler.md).
"""

import abc
from collections.abc import Sequence

from oslo_config import cfg

from services.scheduler import plugins
from services.scheduler.host_state import HostState
from services.scheduler.request_spec import RequestSpec

NAMESPACE = "svc_launch.scheduler.filters"


class BaseHostFilter(abc.ABC):
    """Built once per scheduler worker with its ConfigOpts.

    ``host_passes`` runs under the scheduler's lock, once per host per
    instance, so it must be quick and must not do I/O. A filter with its own
    options registers them on ``conf`` in ``__init__``.
    """

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.conf = conf

    @property
    def name(self) -> str:
        return type(self).__name__

    @abc.abstractmethod
    def host_passes(self, host: HostState, spec: RequestSpec) -> bool:
        """True if one more instance of ``spec`` may go to ``host``."""


def load(conf: cfg.ConfigOpts, names: Sequence[str]) -> list[BaseHostFilter]:
    return plugins.load(
        conf, NAMESPACE, names, BaseHostFilter, "[filter_scheduler] enabled_filters"
    )
