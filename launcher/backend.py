"""Choose the concurrency backend, once, before anything else is imported.

Two facts drive this module. Eventlet must monkey-patch the standard
library before any module grabs a reference to ``socket`` or
``threading``. And ``import oslo_messaging`` imports
``oslo_service.service``, which fixes oslo.service's backend to eventlet
unless :func:`oslo_service.backend.init_backend` ran first. So
:func:`select` is the one place that patches, and it must run before the
rest of :mod:`launcher` is imported. Only the CLI entry and the pytest
plugin call it.
"""

import enum
import os
import sys
import warnings

ENV_VAR = "SVC_LAUNCH_BACKEND"


class Backend(enum.Enum):
    EVENTLET = "eventlet"
    THREADING = "threading"


DEFAULT = Backend.EVENTLET


class BackendConflict(RuntimeError):
    """Raised when a second, different backend is requested."""


def from_argv(argv: list[str]) -> Backend:
    """Read ``--backend`` out of argv without a full parse.

    The full parse needs oslo.config, which is only safe to import after
    the backend is fixed; so this reads the one option by hand. The
    environment variable is the fallback so that tests and systemd units
    can choose without touching argv.
    """
    value = os.environ.get(ENV_VAR, DEFAULT.value)
    for i, arg in enumerate(argv):
        if arg == "--backend" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--backend="):
            value = arg.split("=", 1)[1]
    try:
        return Backend(value)
    except ValueError:
        choices = ", ".join(b.value for b in Backend)
        raise ValueError(
            f"unknown backend {value!r}; choose one of: {choices}"
        ) from None


def select(backend: Backend) -> Backend:
    """Fix the backend for this process. Safe to call twice with the same value."""
    with warnings.catch_warnings():
        # eventlet announces its own deprecation when first imported (futurist
        # imports it under either backend); it is a supported backend here.
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
        warnings.simplefilter("ignore", DeprecationWarning)
        return _select(backend)


def _select(backend: Backend) -> Backend:
    # eventlet's green DNS pulls in dnspython (a quarter of a second at every
    # start, under either backend: futurist imports eventlet) and resolves
    # differently from libc (/etc/hosts, IPv6). nova turns it off the same
    # way; an operator can still set EVENTLET_NO_GREENDNS=no.
    os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")
    from oslo_service import backend as oslo_backend

    chosen = oslo_backend.get_backend_type()
    wanted = oslo_backend.BackendType(backend.value)
    if chosen is not None and chosen != wanted:
        raise BackendConflict(
            f"backend already set to {chosen.value}, cannot switch to {backend.value}"
        )
    if backend is Backend.EVENTLET:
        import eventlet

        # Everything, threads included: oslo.messaging and oslo.db take
        # threading locks that must be green under this backend.
        eventlet.monkey_patch()
    try:
        oslo_backend.init_backend(wanted)
    except (ImportError, ValueError) as exc:
        raise ValueError(
            f"the {backend.value} backend cannot load ({exc}); "
            "install oslo.service[threading]"
        ) from None
    return backend


def current() -> Backend:
    """The backend this process runs on; eventlet if none was selected."""
    if "oslo_service.backend" not in sys.modules:
        return DEFAULT
    from oslo_service import backend as oslo_backend

    chosen = oslo_backend.get_backend_type()
    return Backend(chosen.value) if chosen is not None else DEFAULT


def is_eventlet() -> bool:
    return current() is Backend.EVENTLET


def native_module(name: str):  # noqa: ANN201 - returns a module
    """The unpatched stdlib module, for loops that must really block.

    The supervisor's parent loop owns the process: it has nothing else to
    run, and a green ``select`` there would wait on a hub that the forked
    children also inherited.
    """
    if is_eventlet():
        from eventlet import patcher

        return patcher.original(name)
    return sys.modules.get(name) or __import__(name)
