import os
import pathlib

import pytest
import webtest
from oslo_config import cfg
from paste import deploy

from launcher import config, errors
from launcher.definition import ApiSpec, ServiceDefinition
from launcher.wsgi import app as wsgi_app
from launcher.wsgi import sample

PACKAGED = "launcher.wsgi:sample-paste.ini"
REPO = pathlib.Path(__file__).resolve().parents[2]

DEFINITION = ServiceDefinition(
    binary="sample-api",
    topic="sample",
    manager="launcher.wsgi.sample:SampleApp",
    api=ApiSpec(paste_ini=PACKAGED, app_name="main"),
)


def make_conf(*argv, paste_config=None, paste_app=None):
    conf = config.new_conf()
    config.register_definitions(conf, [DEFINITION])
    config.parse(conf, list(argv), default_config_files=[])
    if paste_config is not None:
        conf.set_override("paste_config", paste_config, DEFINITION.group)
    if paste_app is not None:
        conf.set_override("paste_app", paste_app, DEFINITION.group)
    return conf


def write_ini(tmp_path, text, name="test-paste.ini"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def assert_one_line(exc):
    assert "\n" not in str(exc)


# -- find_paste_config ---------------------------------------------------------


def test_packaged_default_is_found():
    path = wsgi_app.find_paste_config(make_conf(), DEFINITION)
    assert path == str(REPO / "launcher" / "wsgi" / "sample-paste.ini")


def test_packaged_name_may_name_a_module():
    conf = make_conf(paste_config="launcher.wsgi.sample:sample-paste.ini")
    path = wsgi_app.find_paste_config(conf, DEFINITION)
    assert path == str(REPO / "launcher" / "wsgi" / "sample-paste.ini")


def test_absolute_path_is_used_as_is(tmp_path):
    ini = write_ini(tmp_path, "[app:main]\n")
    conf = make_conf(paste_config=ini)
    assert wsgi_app.find_paste_config(conf, DEFINITION) == ini


def test_relative_name_is_looked_up_in_config_dir(tmp_path):
    ini = write_ini(tmp_path, "[app:main]\n", "mine.ini")
    conf = make_conf("--config-dir", str(tmp_path), paste_config="mine.ini")
    assert wsgi_app.find_paste_config(conf, DEFINITION) == ini


def test_config_dir_copy_overrides_packaged_default(tmp_path):
    ini = write_ini(tmp_path, "[app:main]\n", "sample-paste.ini")
    conf = make_conf("--config-dir", str(tmp_path))
    assert wsgi_app.find_paste_config(conf, DEFINITION) == ini


@pytest.mark.parametrize(
    "name",
    ["no-such-paste.ini", "launcher.wsgi:no-such-paste.ini", "/nonexistent/x.ini"],
)
def test_missing_paste_config(tmp_path, name):
    conf = make_conf("--config-dir", str(tmp_path), paste_config=name)
    with pytest.raises(errors.PasteConfigError) as info:
        wsgi_app.find_paste_config(conf, DEFINITION)
    message = str(info.value)
    assert message.startswith(f"paste config {name} not found (looked in: ")
    assert message.endswith("; set [sample_api] paste_config")
    assert_one_line(info.value)
    if not os.path.isabs(name):
        assert str(tmp_path) in message
    assert info.value.exit_code == errors.EXIT_CONFIG


def test_packaged_ini_matches_etc_copy():
    packaged = REPO / "launcher" / "wsgi" / "sample-paste.ini"
    assert (
        packaged.read_text()
        == (REPO / "etc" / "svc-launch" / "sample-paste.ini").read_text()
    )


# -- load_app ------------------------------------------------------------------


def test_sample_pipeline_serves():
    conf = make_conf()
    client = webtest.TestApp(wsgi_app.load_app(conf, DEFINITION))
    response = client.get("/")
    assert response.json["binary"] == "sample-api"
    assert response.json["pid"] == os.getpid()
    assert response.headers["x-openstack-request-id"].startswith("req-")
    assert client.get("/healthcheck").status_int == 200
    assert client.get("/nowhere", status=404).json["error"]["code"] == 404


def test_factory_receives_the_services_config_opts():
    conf = make_conf(paste_app="sample")
    app = wsgi_app.load_app(conf, DEFINITION)
    assert isinstance(app, sample.SampleApp)
    assert app.conf is conf
    assert app.binary == "sample-api"


def test_oslo_middleware_reads_the_services_config_not_global_conf(tmp_path):
    conf_file = write_ini(
        tmp_path, "[oslo_middleware]\nmax_request_body_size = 10\n", "svc.conf"
    )
    conf = make_conf("--config-file", conf_file)
    client = webtest.TestApp(wsgi_app.load_app(conf, DEFINITION))

    client.post("/", b"x" * 100, status=413)
    assert client.post("/", b"x" * 5, status=404).json["error"]["code"] == 404
    # (importing oslo_middleware registers its basic_auth option globally)
    assert "max_request_body_size" not in list(cfg.CONF["oslo_middleware"])
    assert "healthcheck" not in cfg.CONF
    assert "healthcheck" in conf  # registered by the health check, on ours


def test_plain_object_in_global_conf_breaks_pastedeploy():
    # Why ConfRef exists: PasteDeploy feeds global_conf to ConfigParser.
    ini = str(pathlib.Path(wsgi_app.find_paste_config(make_conf(), DEFINITION)))
    with pytest.raises(AttributeError, match="find"):
        deploy.loadapp(
            f"config:{ini}", name="sample", global_conf={"conf": make_conf()}
        )


def test_conf_from_global_without_load_app():
    with pytest.raises(errors.PasteConfigError) as info:
        wsgi_app.conf_from_global({"here": "/tmp"})
    assert "load_app" in str(info.value)


def test_missing_app_name():
    conf = make_conf(paste_app="nosuchapp")
    with pytest.raises(errors.PasteConfigError) as info:
        wsgi_app.load_app(conf, DEFINITION)
    message = str(info.value)
    assert message.startswith("cannot load paste app 'nosuchapp' from /")
    assert "sample-paste.ini" in message
    assert "No section 'nosuchapp'" in message
    assert_one_line(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[app:main]\npaste.app_factory = no_such_module:factory\n", "no_such_module"),
        ("[app:main]\npaste.app_factory = launcher.wsgi.sample:nope\n", "nope"),
        ("this is not ini\n[app:main]\n", "no section headers"),
        (
            "[pipeline:main]\npipeline = missing sample\n\n"
            "[app:sample]\npaste.app_factory = launcher.wsgi.sample:app_factory\n",
            "No section 'missing'",
        ),
        (
            "[pipeline:main]\npipeline = faultwrap sample\n\n"
            "[filter:faultwrap]\n"
            "paste.filter_factory = launcher.wsgi.middleware:faultwrap_factory\n"
            "verbose = true\n\n"
            "[app:sample]\npaste.app_factory = launcher.wsgi.sample:app_factory\n",
            "filter faultwrap takes no parameter verbose",
        ),
    ],
    ids=["import", "attribute", "syntax", "filter", "parameter"],
)
def test_bad_ini_gives_one_line_paste_config_error(tmp_path, text, expected):
    ini = write_ini(tmp_path, text)
    conf = make_conf(paste_config=ini)
    with pytest.raises(errors.PasteConfigError) as info:
        wsgi_app.load_app(conf, DEFINITION)
    message = str(info.value)
    assert message.startswith(f"cannot load paste app 'main' from {ini}: ")
    assert expected in message
    assert message.endswith(
        "; fix the ini or set [sample_api] paste_config / paste_app"
    )
    assert_one_line(info.value)
