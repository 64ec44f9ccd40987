import os
import subprocess
import sys

import pytest

from launcher import backend


def test_backend_matches_environment():
    expected = os.environ.get(backend.ENV_VAR, "eventlet")
    assert backend.current().value == expected


def test_oslo_service_follows_selected_backend():
    import oslo_messaging  # noqa: F401  (importing it must not switch backends)
    from oslo_service import backend as oslo_backend

    assert oslo_backend.get_backend_type().value == backend.current().value


def test_eventlet_patching_only_under_eventlet():
    import eventlet.patcher

    patched = eventlet.patcher.is_monkey_patched("socket")
    assert patched is backend.is_eventlet()


def test_switching_backend_is_refused():
    other = (
        backend.Backend.THREADING if backend.is_eventlet() else backend.Backend.EVENTLET
    )
    with pytest.raises(backend.BackendConflict):
        backend.select(other)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--backend", "threading"], backend.Backend.THREADING),
        (["--backend=eventlet"], backend.Backend.EVENTLET),
    ],
)
def test_backend_from_argv(argv, expected):
    assert backend.from_argv(argv) is expected


def test_backend_from_argv_rejects_unknown():
    with pytest.raises(ValueError, match="unknown backend 'gevent'"):
        backend.from_argv(["--backend", "gevent"])


@pytest.mark.parametrize(("setting", "loaded"), [(None, False), ("no", True)])
def test_green_dns_is_off_unless_the_operator_wants_it(setting, loaded):
    env = {k: v for k, v in os.environ.items() if k != "EVENTLET_NO_GREENDNS"}
    if setting is not None:
        env["EVENTLET_NO_GREENDNS"] = setting
    code = (
        "import sys; from launcher import backend; "
        "backend.select(backend.Backend(sys.argv[1])); "
        "print('dns.resolver' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, backend.current().value],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == str(loaded)
