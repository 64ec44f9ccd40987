"""Operator mistakes: one line on stderr, no traceback, the right exit code."""

import socket

import pytest

from tests.functional import harness


def _one_line(result):
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_unknown_binary_lists_known(tmp_path):
    result = harness.run_cli(
        [
            "--binary",
            "nova-nothing",
            "--config-file",
            str(harness.write_config(tmp_path / "c.conf", {})),
        ]
    )
    assert result.returncode == 2
    line = _one_line(result)
    assert "unknown binary 'nova-nothing'" in line and "test-echo" in line


def test_missing_config_file(tmp_path):
    result = harness.run_cli(
        ["--binary", "test-echo", "--config-file", str(tmp_path / "nope.conf")]
    )
    assert result.returncode == 2
    assert "nope.conf" in _one_line(result)


def test_invalid_option_value_names_file_and_option(tmp_path):
    conf = harness.write_config(
        tmp_path / "bad.conf", {"DEFAULT": {"report_interval": "often"}}
    )
    result = harness.run_cli(["--binary", "test-echo", "--config-file", str(conf)])
    assert result.returncode == 2
    line = _one_line(result)
    assert "report_interval" in line and "bad.conf" in line


def test_unparsable_config_file(tmp_path):
    conf = tmp_path / "broken.conf"
    conf.write_text("this is not ini\n")
    result = harness.run_cli(["--binary", "test-echo", "--config-file", str(conf)])
    assert result.returncode == 2
    assert "broken.conf" in _one_line(result)


def test_missing_paste_ini(tmp_path):
    conf = harness.write_config(
        tmp_path / "c.conf",
        {
            "DEFAULT": {"state_path": tmp_path},
            "test_api": {"paste_config": tmp_path / "missing-paste.ini"},
        },
    )
    result = harness.run_cli(
        ["--binary", "test-api", "--config-file", str(conf), "--check-config"]
    )
    assert result.returncode == 2
    assert "missing-paste.ini" in _one_line(result)


def test_check_config_ok(tmp_path):
    conf = harness.write_config(
        tmp_path / "c.conf", {"DEFAULT": {"state_path": tmp_path}}
    )
    result = harness.run_cli(
        ["--binary", "test-api", "--config-file", str(conf), "--check-config"]
    )
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout


def test_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        conf = harness.write_config(
            tmp_path / "c.conf",
            {"DEFAULT": {"state_path": tmp_path}, "test_api": {"bind_port": port}},
        )
        result = harness.run_cli(["--binary", "test-api", "--config-file", str(conf)])
    assert result.returncode == 1
    line = _one_line(result)
    assert f"127.0.0.1:{port}" in line and "in use" in line


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://svc:s3cret@127.0.0.1:1/nothing",
    ],
)
def test_unreachable_database(tmp_path, url):
    conf = harness.write_config(
        tmp_path / "c.conf",
        {"DEFAULT": {"state_path": tmp_path}, "database": {"connection": url}},
    )
    result = harness.run_cli(["--binary", "test-echo", "--config-file", str(conf)])
    assert result.returncode == 1
    line = _one_line(result)
    assert "cannot reach database" in line and "s3cret" not in line


def test_list_shows_every_definition_and_the_broken_ones(tmp_path):
    result = harness.run_cli(
        ["--list", "--config-file", str(harness.write_config(tmp_path / "c.conf", {}))]
    )
    assert result.returncode == 0
    assert "test-echo" in result.stdout and "api+rpc" in result.stdout
    assert "BROKEN" in result.stdout and "test-broken" in result.stdout


def test_db_sync_and_status_on_postgres(pg_url, tmp_path):
    conf = harness.write_config(
        tmp_path / "c.conf",
        {"DEFAULT": {"state_path": tmp_path}, "database": {"connection": pg_url}},
    )
    stale = harness.run_cli(["--binary", "test-echo", "--config-file", str(conf)])
    assert stale.returncode == 2
    assert "db sync" in _one_line(stale)
    synced = harness.run_cli(["db", "sync", "--config-file", str(conf)])
    assert synced.returncode == 0, synced.stderr
    assert "svc_launch: revision 0002 (current)" in synced.stdout
    assert "nova_scheduler: revision" in synced.stdout
    status = harness.run_cli(["status", "--config-file", str(conf)])
    assert status.returncode == 0
    assert "no services registered" in status.stdout


def test_a_definition_with_broken_options_fails_alone(tmp_path):
    conf = harness.write_config(
        tmp_path / "c.conf", {"DEFAULT": {"state_path": tmp_path}}
    )
    broken = harness.run_cli(
        ["--binary", "test-badopts", "--config-file", str(conf), "--check-config"]
    )
    assert broken.returncode == 2
    line = _one_line(broken)
    assert "test-badopts" in line and "no_such_module" in line
    fine = harness.run_cli(
        ["--binary", "test-echo", "--config-file", str(conf), "--check-config"]
    )
    assert fine.returncode == 0, fine.stderr
