import json
import logging

import pytest
import webob.exc
import webtest
from oslo_context import context as oslo_context
from oslo_middleware import request_id

from launcher import config, errors
from launcher.wsgi import middleware
from launcher.wsgi.app import BINARY_KEY, CONF_KEY, ConfRef


def pipeline(app, *filters):
    """Wrap app in filters, the first one outermost, like a paste pipeline."""
    for make in reversed(filters):
        app = make(app)
    return app


def global_conf():
    conf = config.new_conf()
    config.parse(conf, [], default_config_files=[])
    return {CONF_KEY: ConfRef(conf), BINARY_KEY: "test"}


def request_id_filter(app):
    return request_id.RequestId.factory({})(app)


class Recorder:
    """An app that remembers the context it saw, while called and streaming."""

    def __init__(self):
        self.environ_context = None
        self.current = None
        self.current_while_streaming = None

    def __call__(self, environ, start_response):
        self.environ_context = environ[middleware.CONTEXT_KEY]
        self.current = oslo_context.get_current()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return self._body()

    def _body(self):
        self.current_while_streaming = oslo_context.get_current()
        yield b"ok"


@pytest.fixture(autouse=True)
def no_current_context():
    """Start without a current context; the middleware must leave none."""
    saved = oslo_context.get_current()  # other tests may leave one behind
    middleware._restore_context(None)
    yield
    assert oslo_context.get_current() is None
    middleware._restore_context(saved)


def test_context_from_headers():
    recorder = Recorder()
    client = webtest.TestApp(
        pipeline(recorder, request_id_filter, middleware.context_factory(global_conf()))
    )
    response = client.get(
        "/",
        headers={
            "X-Project-Id": "p1",
            "X-User-Id": "u1",
            "X-Roles": "reader, admin",
        },
    )
    ctx = recorder.environ_context
    assert ctx.project_id == "p1"
    assert ctx.user_id == "u1"
    assert ctx.roles == ["reader", "admin"]
    assert ctx.is_admin is True
    assert ctx.request_id == response.headers["x-openstack-request-id"]
    assert recorder.current is ctx
    assert recorder.current_while_streaming is ctx


def test_context_tenant_header_and_not_admin():
    recorder = Recorder()
    client = webtest.TestApp(
        pipeline(recorder, middleware.context_factory(global_conf()))
    )
    client.get("/", headers={"X-Tenant-Id": "t1", "X-Roles": "member"})
    ctx = recorder.environ_context
    assert ctx.project_id == "t1"
    assert ctx.roles == ["member"]
    assert ctx.is_admin is False
    assert ctx.request_id.startswith("req-")  # made up without RequestId


def test_context_restores_previous_one_after_an_error():
    outer = oslo_context.RequestContext(request_id="req-outer")
    try:

        def broken(environ, start_response):
            assert oslo_context.get_current() is environ[middleware.CONTEXT_KEY]
            raise RuntimeError("boom")

        app = middleware.ContextMiddleware(broken)
        with pytest.raises(RuntimeError):
            app({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: None)
        assert oslo_context.get_current() is outer
    finally:
        middleware._restore_context(None)


def test_request_id_echoed_in_response_header():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ[request_id.ENV_REQUEST_ID].encode()]

    client = webtest.TestApp(pipeline(app, request_id_filter))
    response = client.get("/")
    assert response.headers["x-openstack-request-id"] == response.text


def fault_client(app):
    faultwrap = middleware.faultwrap_factory(global_conf())
    return webtest.TestApp(pipeline(app, request_id_filter, faultwrap))


def test_faultwrap_turns_exception_into_json_500(caplog):
    def broken(environ, start_response):
        raise RuntimeError("secret database password")

    with caplog.at_level(logging.ERROR, logger="launcher.wsgi.middleware"):
        response = fault_client(broken).get("/things", status=500)

    assert response.content_type == "application/json"
    error = response.json["error"]
    assert error["code"] == 500
    assert error["title"] == "Internal Server Error"
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    record = caplog.records[-1]
    assert record.exc_info is not None
    assert "GET /things" in record.getMessage()
    assert response.headers["x-openstack-request-id"] in record.getMessage()


def test_faultwrap_after_start_response_was_called():
    def half_done(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        raise ValueError("late")

    response = fault_client(half_done).get("/", status=500)
    assert response.json["error"]["code"] == 500


def test_faultwrap_converts_raised_http_exception():
    def missing(environ, start_response):
        raise webob.exc.HTTPNotFound(explanation="no such image")

    response = fault_client(missing).get("/", status=404)
    assert response.json == {
        "error": {"code": 404, "title": "Not Found", "message": "no such image"}
    }


def test_faultwrap_keeps_headers_of_raised_http_exception():
    def not_allowed(environ, start_response):
        raise webob.exc.HTTPMethodNotAllowed(headers=[("Allow", "GET")])

    response = fault_client(not_allowed).post("/", status=405)
    assert response.headers["Allow"] == "GET"
    assert json.loads(response.text)["error"]["code"] == 405


def test_faultwrap_passes_good_responses_through():
    def fine(environ, start_response):
        start_response("201 Created", [("Content-Type", "text/plain")])
        return [b"made"]

    response = fault_client(fine).get("/", status=201)
    assert response.text == "made"


def test_healthcheck_answers_its_path_only():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"app"]

    filt = middleware.healthcheck_factory(global_conf(), path="/health")
    client = webtest.TestApp(filt(app))
    assert client.get("/health").status_int == 200
    assert client.get("/health").text != "app"
    assert client.get("/other").text == "app"


@pytest.mark.parametrize(
    "factory",
    [
        middleware.context_factory,
        middleware.faultwrap_factory,
        middleware.sizelimit_factory,
        middleware.healthcheck_factory,
    ],
)
def test_filters_reject_unknown_ini_parameters(factory):
    with pytest.raises(errors.PasteConfigError) as info:
        factory(global_conf(), max_request_body_size="10")
    assert "takes no parameter max_request_body_size" in str(info.value)


def test_faultwrap_lets_a_generator_app_start_its_response_late():
    def lazy(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"late"

    response = fault_client(lazy).get("/")
    assert response.text == "late"


def test_faultwrap_cannot_convert_after_legacy_write():
    def writer(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"partial")
        raise RuntimeError("too late")

    with pytest.raises(RuntimeError, match="too late"):
        middleware.FaultWrapper(writer)({}, lambda *args: lambda data: None)
