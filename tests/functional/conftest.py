import socket

import pytest

from tests.functional import harness

pytestmark = pytest.mark.functional


def _reachable(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session", autouse=True)
def real_services():
    """Functional tests need the real broker and database; say so plainly."""
    missing = [
        name
        for name, port in (("RabbitMQ", 5672), ("PostgreSQL", 5432))
        if not _reachable(port)
    ]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not reachable on 127.0.0.1; "
            "start them (see README, 'Tests')",
            pytrace=False,
        )
    vhost = harness.create_vhost()
    if vhost is not None:
        harness.RABBIT_URL = harness.RABBIT_BASE_URL + vhost
    yield
    if vhost is not None:
        harness.RABBIT_URL = harness.RABBIT_BASE_URL
        harness.delete_vhost(vhost)


@pytest.fixture
def daemons(tmp_path):
    """Factory for real daemons; every one is stopped at teardown."""
    started = []

    def start(binaries, name="d", **kwargs):
        daemon = harness.Daemon(tmp_path / f"{name}{len(started)}", binaries, **kwargs)
        started.append(daemon)
        return daemon.start()

    yield start
    for daemon in started:
        daemon.stop()


@pytest.fixture
def pg_url():
    with harness.postgres_database() as url:
        yield url
