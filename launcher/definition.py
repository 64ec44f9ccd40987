"""What a daemon is: plain frozen data, declared once per binary.

A definition names things; it never builds them. The manager is a dotted
path so that ``svc-launch --list`` can describe every daemon without
importing its code.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class ApiSpec:
    """The WSGI part of a daemon: where its paste app comes from and listens."""

    paste_ini: str
    app_name: str = "main"
    default_port: int = 8080
    default_host: str = "0.0.0.0"
    workers_opt: str = "workers"


@dataclasses.dataclass(frozen=True)
class ServiceDefinition:
    """The binary/topic/manager triple, plus an optional API part.

    ``rpc`` says whether the daemon consumes its topic. An API daemon that
    also consumes RPC (neutron-server) runs ``rpc_workers_opt`` RPC workers
    beside its API workers. ``options`` names a ``list_opts``-style callable
    ("package.module:list_opts") whose groups the launcher registers before
    parsing, so a daemon's own options are validated at launch and settable
    in test fixtures, like the framework's. ``post_fork`` names callables
    ("package.module:function", each taking the ConfigOpts) that every
    worker runs right after fork and before ``start()``: the place to
    open per-process connections.
    """

    binary: str
    topic: str
    manager: str
    api: ApiSpec | None = None
    rpc: bool = True
    rpc_workers_opt: str = "rpc_workers"
    description: str = ""
    options: str | None = None
    post_fork: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        if self.api and self.rpc:
            return "api+rpc"
        return "api" if self.api else "rpc"

    @property
    def group(self) -> str:
        """The config group holding this binary's own options."""
        return self.binary.replace("-", "_")
