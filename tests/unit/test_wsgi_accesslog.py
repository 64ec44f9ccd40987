import logging

import pytest
import webtest
from oslo_context import context as oslo_context

from launcher import errors
from launcher.wsgi import CONTEXT_KEY
from launcher.wsgi.accesslog import AccessLog

FORMAT = '%(client_ip)s "%(request_line)s" status: %(status_code)s len: %(body_length)s'


def streaming(environ, start_response):
    start_response("202 Accepted", [("Content-Type", "text/plain")])
    yield b"abc"
    yield b"de"


@pytest.fixture
def access(caplog):
    caplog.set_level(logging.INFO, logger="launcher.wsgi.access")
    return lambda: [r for r in caplog.records if r.name == "launcher.wsgi.access"]


def test_one_line_per_request_after_the_body(access):
    client = webtest.TestApp(AccessLog(streaming, FORMAT, log_errors=False))
    client.get("/things?x=1", extra_environ={"REMOTE_ADDR": "192.0.2.7"})
    (record,) = access()
    assert record.getMessage() == (
        '192.0.2.7 "GET /things?x=1 HTTP/1.0" status: 202 len: 5'
    )


def test_line_carries_the_request_context(access):
    context = oslo_context.RequestContext(request_id="req-x", overwrite=False)

    def app(environ, start_response):
        environ[CONTEXT_KEY] = context
        return streaming(environ, start_response)

    webtest.TestApp(AccessLog(app, FORMAT, log_errors=False)).get("/")
    assert access()[0].context is context


def test_escaping_error_is_logged_when_asked(caplog, access):
    def broken(environ, start_response):
        raise RuntimeError("boom")

    app = AccessLog(broken, FORMAT, log_errors=True)
    with pytest.raises(RuntimeError):
        app({"REQUEST_METHOD": "GET", "PATH_INFO": "/x"}, lambda *a: None)
    errors_logged = [r for r in caplog.records if r.name == "launcher.wsgi.accesslog"]
    assert errors_logged[0].exc_info is not None
    assert "status: 500" in access()[0].getMessage()


def test_error_while_streaming_is_logged_when_asked(caplog, access):
    def breaks_midway(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"abc"
        raise RuntimeError("midway")

    app = AccessLog(breaks_midway, FORMAT, log_errors=True)
    result = app({"REQUEST_METHOD": "GET", "PATH_INFO": "/x"}, lambda *a: None)
    with pytest.raises(RuntimeError):
        list(result)
    result.close()
    assert any(r.exc_info for r in caplog.records if r.levelno == logging.ERROR)
    assert "len: 3" in access()[0].getMessage()


@pytest.mark.parametrize("bad", ["%(nope)s", "%(wall_seconds)d%", "%(client_ip)"])
def test_bad_log_format_fails_at_construction(bad):
    with pytest.raises(errors.ConfigError) as info:
        AccessLog(streaming, bad, log_errors=False)
    assert str(info.value).startswith("invalid [wsgi] log_format")
    assert "\n" not in str(info.value)
