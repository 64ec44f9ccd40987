"""Real svc-launch processes for functional tests, and what they need.

Each daemon gets its own config file, log file and RabbitMQ exchange
(control_exchange), so tests never hear each other's messages. Waiting is
always a poll with a deadline on something observable: a log line, a
port, an exit.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import oslo_messaging
from oslo_config import cfg

from launcher import backend, rpc
from launcher.testing import wait_for

RABBIT_BASE_URL = "rabbit://guest:guest@127.0.0.1:5672/"
# Replaced by a per-session virtual host when rabbitmqctl is at hand (see
# conftest.py): oslo.messaging names fanout exchanges and topic queues
# without the control_exchange, so two test runs sharing "/" could hear
# each other's fanout casts.
RABBIT_URL = RABBIT_BASE_URL
POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
# The console script, exactly as an operator runs it.
SVC_LAUNCH = [str(Path(sys.executable).with_name("svc-launch"))]


def write_config(path: Path, sections: dict[str, dict[str, object]]) -> Path:
    lines = []
    for section, options in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in options.items())
        lines.append("")
    path.write_text("\n".join(lines))
    return path


class Daemon:
    """One ``svc-launch`` process tree."""

    def __init__(
        self,
        workdir: Path,
        binaries: list[str],
        *,
        database_url: str | None = None,
        exchange: str | None = None,
        host: str = "fhost",
        extra: dict[str, dict[str, object]] | None = None,
        args: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.binaries = binaries
        self.exchange = exchange or f"svc_test_{uuid.uuid4().hex[:10]}"
        self.log_path = workdir / "daemon.log"
        sections: dict[str, dict[str, object]] = {
            "DEFAULT": {
                "transport_url": RABBIT_URL,
                "control_exchange": self.exchange,
                "state_path": workdir / "state",
                "log_file": self.log_path,
                "debug": "true",
                "report_interval": 1,
                "service_down_time": 3,
                "periodic_fuzzy_delay": 0,
                "graceful_shutdown_timeout": 20,
            },
            "supervisor": {"respawn_backoff_initial": 0.1, "respawn_window": 30},
        }
        if database_url:
            sections["database"] = {"connection": database_url}
        for section, options in (extra or {}).items():
            sections.setdefault(section, {}).update(options)
        self.config_path = write_config(workdir / "svc-launch.conf", sections)
        self.args = [
            "--config-file",
            str(self.config_path),
            "--host",
            host,
            *(a for b in binaries for a in ("--binary", b)),
            *(args or []),
        ]
        self.proc: subprocess.Popen | None = None
        self.env = dict(env or {})

    def start(self) -> "Daemon":
        env = dict(os.environ, SVC_LAUNCH_BACKEND=backend.current().value, **self.env)
        self.proc = subprocess.Popen(
            SVC_LAUNCH + self.args,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_log(
        self, pattern: str, count: int = 1, timeout: float = 30.0
    ) -> list[str]:
        regex = re.compile(pattern)

        def found() -> list[str] | None:
            exited = self.proc is not None and self.proc.poll() is not None
            hits = regex.findall(self.log())  # read after poll: nothing missed
            if len(hits) >= count:
                return hits
            if exited:
                raise AssertionError(
                    f"daemon exited {self.proc.returncode} while waiting for "
                    f"{pattern!r}:\n{self.proc.stderr.read()}\n{self.log()[-3000:]}"
                )
            return None

        return wait_for(found, timeout, f"log line {pattern!r} x{count}")  # type: ignore[return-value]

    def wait_ready(self, timeout: float = 30.0) -> "Daemon":
        self.wait_log(r"all \d+ workers ready", timeout=timeout)
        return self

    def api_url(self, binary: str) -> str:
        return self.wait_log(rf"{binary} listening on (http://\S+)")[0]

    def worker_pids(self, role: str = "") -> set[int]:
        """Live workers per the launcher's log; ``role`` like "test-api api"."""
        name = re.escape(role) if role else ".*"
        started = re.findall(rf"started worker (\d+) of {name}$", self.log(), re.M)
        gone = re.findall(rf"worker (\d+) of {name} (?:stopped|died)", self.log())
        return {int(p) for p in started} - {int(p) for p in gone}

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def wait_exit(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self) -> None:
        """Leave nothing running: TERM the tree, then KILL what is left."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.proc.wait(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def create_vhost() -> str | None:
    """A throwaway RabbitMQ virtual host for this run, or None without rabbitmqctl."""
    if not shutil.which("rabbitmqctl"):
        return None
    name = f"svc_launch_test_{uuid.uuid4().hex[:10]}"
    for args in (
        ["add_vhost", name],
        ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
    ):
        done = subprocess.run(["rabbitmqctl", *args], capture_output=True, timeout=60)
        if done.returncode != 0:
            return None
    return name


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], capture_output=True, timeout=60, check=True)


def grant_vhost(name: str, granted: bool) -> None:
    """Let guest into ``name``, or shut it out and drop its connections."""
    if granted:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        return
    rabbitmqctl("clear_permissions", "-p", name, "guest")
    rabbitmqctl("close_all_connections", "-p", name, "test: broker lost")


def delete_vhost(name: str) -> None:
    subprocess.run(
        ["rabbitmqctl", "delete_vhost", name], capture_output=True, timeout=60
    )


def run_cli(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, SVC_LAUNCH_BACKEND=backend.current().value)
    return subprocess.run(
        SVC_LAUNCH + args, env=env, capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def rpc_client(
    exchange: str, topic: str, timeout: int = 30, url: str | None = None
) -> Iterator:
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[])
    rpc.register_opts(conf)
    conf.set_override("transport_url", url or RABBIT_URL)
    conf.set_override("control_exchange", exchange)
    transport = rpc.get_transport(conf)
    try:
        yield rpc.get_client(transport, topic, timeout=timeout)
    finally:
        transport.cleanup()


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database; fails loudly if the server is down."""
    import sqlalchemy

    name = f"svc_launch_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    except sqlalchemy.exc.OperationalError as exc:
        raise AssertionError(
            f"PostgreSQL at 127.0.0.1:5432 is required: {exc}"
        ) from exc
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                sqlalchemy.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name"
                ),
                {"name": name},
            )
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


__all__ = [
    "Daemon",
    "oslo_messaging",
    "postgres_database",
    "rpc_client",
    "run_cli",
    "wait_for",
    "write_config",
]
