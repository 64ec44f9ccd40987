"""Crash loops, parent death and heartbeats, with real processes and signals."""

import os
import re
import signal
import time

import pytest

from tests.functional import harness


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited as far as we care.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_crash_at_start_up_backs_off_then_gives_up(daemons):
    daemon = daemons(["test-crash"], extra={"supervisor": {"respawn_max_tries": 4}})
    assert daemon.wait_exit(timeout=60) == 1
    stderr = daemon.proc.stderr.read()
    assert stderr.count("\n") == 1, stderr
    assert "test-crash: a worker died at start-up 4 times" in stderr
    assert "runtime failure" in stderr
    delays = [float(d) for d in re.findall(r"respawning in ([\d.]+)s", daemon.log())]
    assert len(delays) == 3
    assert delays == sorted(delays) and delays[-1] > delays[0]


def test_config_error_in_a_worker_is_not_retried(daemons):
    daemon = daemons(["test-badconfig"])
    assert daemon.wait_exit(timeout=60) == 1
    stderr = daemon.proc.stderr.read()
    assert "will not be retried" in stderr
    assert "configuration error" in stderr
    assert len(re.findall(r"started worker", daemon.log())) == 1


def test_workers_exit_when_the_parent_is_killed(daemons):
    daemon = daemons(["test-echo"], args=["--workers", "2"]).wait_ready()
    workers = daemon.worker_pids()
    assert len(workers) == 2
    os.kill(daemon.pid, signal.SIGKILL)
    harness.wait_for(
        lambda: not any(_alive(p) for p in workers),
        timeout=1,
        what="workers to exit within a second of parent death",
    )


def test_killed_worker_is_respawned(daemons):
    daemon = daemons(["test-echo"], args=["--workers", "2"]).wait_ready()
    victim = min(daemon.worker_pids())
    os.kill(victim, signal.SIGKILL)
    daemon.wait_log(rf"worker {victim} of test-echo died: killed by SIGKILL")
    daemon.wait_log(r"is ready", count=3)
    with harness.rpc_client(daemon.exchange, "test-echo") as client:
        assert client.call({}, "echo", value=7) == 7


def test_heartbeat_on_postgres_shows_killed_service_down(daemons, pg_url, tmp_path):
    conf = harness.write_config(
        tmp_path / "sync.conf", {"database": {"connection": pg_url}}
    )
    assert harness.run_cli(["db", "sync", "--config-file", str(conf)]).returncode == 0
    daemon = daemons(["test-echo"], host="hb-host", database_url=pg_url).wait_ready()
    status_args = ["status", "--config-file", str(daemon.config_path)]

    def state() -> str:
        out = harness.run_cli(status_args).stdout
        line = next((ln for ln in out.splitlines() if "hb-host" in ln), "")
        return "up" if " up " in f" {line} " else "down" if line else ""

    harness.wait_for(lambda: state() == "up", what="service up in status")
    os.killpg(daemon.pid, signal.SIGKILL)
    daemon.proc.wait(10)
    started = time.monotonic()
    harness.wait_for(lambda: state() == "down", timeout=15, what="service down")
    assert time.monotonic() - started >= 1  # down only after service_down_time


def _pg_admin(sql: str, **params: object) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(
        harness.POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text(sql), params)
    finally:
        engine.dispose()


def test_database_outage_is_logged_once_and_service_keeps_serving(
    daemons, pg_url, tmp_path
):
    name = pg_url.rsplit("/", 1)[1]
    conf = harness.write_config(
        tmp_path / "sync.conf", {"database": {"connection": pg_url}}
    )
    assert harness.run_cli(["db", "sync", "--config-file", str(conf)]).returncode == 0
    daemon = daemons(["test-echo"], database_url=pg_url).wait_ready()
    try:
        _pg_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _pg_admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name",
            name=name,
        )
        daemon.wait_log(r"ERROR launcher.heartbeat .* heartbeat failed, will retry")
        with harness.rpc_client(daemon.exchange, "test-echo") as client:
            assert client.call({}, "echo", value="still here") == "still here"
        daemon.wait_log(r"heartbeat still failing", count=2)
    finally:
        _pg_admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    daemon.wait_log(r"heartbeat reached the database again")
    assert daemon.log().count("heartbeat failed") == 1


def test_sigint_is_a_fast_exit(daemons):
    daemon = daemons(["test-echo"]).wait_ready()
    with harness.rpc_client(daemon.exchange, "test-echo", timeout=5) as client:
        client.cast({}, "slow", seconds=30)
        daemon.wait_log(r"slow call started")
        started = time.monotonic()
        daemon.signal(signal.SIGINT)
        assert daemon.wait_exit(timeout=10) == 1
    assert time.monotonic() - started < 5


def test_effective_options_are_logged_with_secrets_masked(daemons):
    daemon = daemons(["test-echo"]).wait_ready()
    daemon.wait_log(r"transport_url\s+= \*\*\*\*")
    assert "guest:guest" not in daemon.log()


@pytest.mark.parametrize("how", ["frozen", "spinning"])
def test_a_stuck_worker_is_replaced(daemons, how):
    daemon = daemons(
        ["test-echo"],
        args=["--workers", "2"],
        extra={"supervisor": {"worker_stuck_timeout": 2}},
    ).wait_ready()
    with harness.rpc_client(daemon.exchange, "test-echo") as client:
        if how == "frozen":  # alive, but it will never answer again
            victim = min(daemon.worker_pids())
            os.kill(victim, signal.SIGSTOP)
        else:  # a loop that holds the GIL, and under eventlet the hub
            client.cast({}, "spin")
            victim = int(daemon.wait_log(r"spinning in pid (\d+)")[0])
        daemon.wait_log(rf"worker {victim} of test-echo sent no heartbeat for 2s")
        daemon.wait_log(rf"worker {victim} of test-echo died: killed by SIGKILL")
        daemon.wait_log(r"is ready", count=3)
        assert client.call({}, "echo", value="unstuck") == "unstuck"
