"""pytest plugin: fix the backend before any test module imports oslo code.

The backend comes from ``--svc-launch-backend`` or the SVC_LAUNCH_BACKEND
environment variable (eventlet by default), so one suite runs under both.
"""

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from launcher import backend

if TYPE_CHECKING:
    from launcher.testing.fixtures import ServiceFixture


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--svc-launch-backend",
        default=None,
        choices=[b.value for b in backend.Backend],
        help="concurrency backend for this run (default: $SVC_LAUNCH_BACKEND "
        "or eventlet)",
    )


def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    value = os.environ.get(backend.ENV_VAR, backend.DEFAULT.value)
    for i, arg in enumerate(args):
        if arg == "--svc-launch-backend" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--svc-launch-backend="):
            value = arg.split("=", 1)[1]
    chosen = backend.Backend(value)
    os.environ[backend.ENV_VAR] = chosen.value
    backend.select(chosen)


def pytest_report_header(config: pytest.Config) -> str:
    return f"svc-launch backend: {backend.current().value}"


@pytest.fixture
def svc_launch_service() -> "Iterator[Callable[..., ServiceFixture]]":
    """Factory: ``svc_launch_service("nova-scheduler", overrides={...})``.

    Every service started through it is stopped at the end of the test.
    """
    from launcher.testing.fixtures import ServiceFixture

    started: list[ServiceFixture] = []

    def start(binary: str, **kwargs: Any) -> ServiceFixture:
        fixture = ServiceFixture(binary, **kwargs)
        fixture.setUp()
        started.append(fixture)
        return fixture

    yield start
    for fixture in reversed(started):
        fixture.cleanUp()
