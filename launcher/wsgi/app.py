"""Load a daemon's WSGI application from its paste deploy ini file.

Paste factories get the service's own ConfigOpts, never a global CONF.
It travels in ``global_conf`` under :data:`CONF_KEY`, and factories read it
back with :func:`conf_from_global`.

Why it is wrapped: PasteDeploy 3.1 copies ``global_conf`` into its
ConfigParser's defaults, and ConfigParser interpolation calls ``str``
methods on every default, so a bare ConfigOpts makes ``loadapp`` fail
with ``AttributeError: ... has no attribute 'find'``. The dict the
factories receive, though, is the caller's ``global_conf`` laid over
those defaults. So the ConfigOpts rides in a ``str`` subclass: the parser
sees a plain string, the factories get the original object back.
"""

import configparser
import importlib.resources
import os
from typing import Any

from oslo_config import cfg
from paste import deploy

from launcher import errors
from launcher.definition import ServiceDefinition
from launcher.wsgi.inflight import WSGIApp

CONF_KEY = "svc_launch.conf"
BINARY_KEY = "svc_launch.binary"

_LOAD_ERRORS = (
    LookupError,  # no such app, pipeline or filter section
    ImportError,  # factory module missing
    AttributeError,  # factory missing from its module
    configparser.Error,  # ini syntax
    errors.PasteConfigError,  # a factory rejected its ini parameters
)


class ConfRef(str):
    """A string that carries a ConfigOpts through PasteDeploy's parser."""

    conf: cfg.ConfigOpts

    def __new__(cls, conf: cfg.ConfigOpts) -> "ConfRef":
        ref = super().__new__(cls, "<svc-launch ConfigOpts>")
        ref.conf = conf
        return ref


def conf_from_global(global_conf: dict[str, Any]) -> cfg.ConfigOpts:
    """The service's ConfigOpts, for a paste factory given ``global_conf``."""
    ref = global_conf.get(CONF_KEY)
    if not isinstance(ref, ConfRef):
        raise errors.PasteConfigError(
            f"no ConfigOpts in paste global_conf[{CONF_KEY!r}]",
            "load the app with launcher.wsgi.app.load_app",
        )
    return ref.conf


def find_paste_config(conf: cfg.ConfigOpts, definition: ServiceDefinition) -> str:
    """Absolute path of the binary's paste ini.

    ``[<group>] paste_config`` is used as is when absolute. A relative name
    is looked up in the config directories; ``package.module:file.ini``
    (the form ``ApiSpec.paste_ini`` uses for a packaged default) is looked
    up there by its file name first, so a deployer can override the
    packaged copy, and then inside the package.
    """
    name = conf[definition.group].paste_config
    if os.path.isabs(name):
        if os.path.isfile(name):
            return name
        raise _not_found(name, [os.path.dirname(name)], definition)
    package, relative = _split_packaged(name)
    found = conf.find_file(os.path.basename(relative) if package else relative)
    if found:
        return os.path.abspath(found)
    looked = _config_dirs(conf)
    if package:
        packaged = _packaged_file(package, relative)
        if packaged:
            return packaged
        looked.append(f"package {package}")
    raise _not_found(name, looked, definition)


def load_app(conf: cfg.ConfigOpts, definition: ServiceDefinition) -> WSGIApp:
    """Build ``[<group>] paste_app`` from the paste ini, handing it ``conf``."""
    path = find_paste_config(conf, definition)
    name = conf[definition.group].paste_app
    global_conf = {CONF_KEY: ConfRef(conf), BINARY_KEY: definition.binary}
    try:
        return deploy.loadapp(f"config:{path}", name=name, global_conf=global_conf)
    except _LOAD_ERRORS as exc:
        raise errors.PasteConfigError(
            f"cannot load paste app {name!r} from {path}: {_one_line(exc)}",
            f"fix the ini or set [{definition.group}] paste_config / paste_app",
        ) from exc


def _split_packaged(name: str) -> tuple[str | None, str]:
    package, sep, relative = name.partition(":")
    if sep and package and all(p.isidentifier() for p in package.split(".")):
        return package, relative
    return None, name


def _packaged_file(package: str, relative: str) -> str | None:
    """``relative`` inside ``package``, or beside it when it is a module."""
    try:
        try:
            root = importlib.resources.files(package)
        except TypeError:  # a module, not a package (Python < 3.12)
            root = importlib.resources.files(package.rpartition(".")[0] or package)
    except (ImportError, TypeError, ValueError):
        return None
    resource = root.joinpath(relative)
    if not resource.is_file():
        return None
    # Packages are installed as directories (no zip imports here), so the
    # resource has a real path that paste can open.
    return os.path.abspath(os.fspath(resource))  # type: ignore[call-overload]


def _config_dirs(conf: cfg.ConfigOpts) -> list[str]:
    config_dir = conf.config_dir or []
    dirs = [config_dir] if isinstance(config_dir, str) else list(config_dir)
    dirs += [os.path.dirname(os.path.abspath(f)) for f in conf.config_file]
    dirs.append("the standard config directories")
    return list(dict.fromkeys(dirs))


def _not_found(
    name: str, looked: list[str], definition: ServiceDefinition
) -> errors.PasteConfigError:
    return errors.PasteConfigError(
        f"paste config {name} not found (looked in: {', '.join(looked)})",
        f"set [{definition.group}] paste_config",
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
