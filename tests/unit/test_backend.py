import os

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
