import pytest

from launcher import errors, registry


def test_deployer_package_definitions_load():
    found = registry.load()
    assert {"test-echo", "test-api", "test-crash"} <= set(found.definitions)
    echo = found.get("test-echo")
    assert (echo.binary, echo.topic, echo.kind) == ("test-echo", "test-echo", "rpc")
    assert found.get("test-api").kind == "api+rpc"


def test_broken_entry_points_are_named_and_do_not_hide_others():
    found = registry.load()
    assert "test-broken" in found.broken
    assert "missing_module" in str(found.broken["test-broken"])
    assert "expected a ServiceDefinition" in str(found.broken["test-notadef"])
    assert "test-echo" in found.definitions


def test_launching_a_broken_entry_point_names_it():
    with pytest.raises(errors.DefinitionLoadError, match="test-broken"):
        registry.load().get("test-broken")


def test_unknown_binary_lists_known_ones():
    with pytest.raises(errors.UnknownBinary) as caught:
        registry.load().get("nova-nothing")
    message = str(caught.value)
    assert "unknown binary 'nova-nothing'" in message
    assert "test-echo" in message
    assert "\n" not in message
    assert caught.value.exit_code == 2
