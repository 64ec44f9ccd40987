"""``[filter:auth]``: who is calling, by ``[image_auth] strategy``.

``noauth`` (the default) trusts the identity headers as sent, like a
deployment behind a trusted proxy: ``X-Project-Id``, ``X-User-Id`` and
``X-Roles`` become the request context (the ``context`` filter reads them).
A request without ``X-Roles`` gets ``[image_auth] noauth_roles`` (admin by
default), as Glance's unauthenticated context is an admin one, so the
clients work with a dummy token and no Keystone. ``keystone`` puts
keystonemiddleware's auth_token in front, configured from the service's
own ConfigOpts (``[keystone_authtoken]``); it sets the same headers.
"""

from collections.abc import Callable, Iterable
from typing import Any

from oslo_config import cfg

from launcher import errors
from launcher.wsgi.app import conf_from_global
from launcher.wsgi.inflight import StartResponse, WSGIApp

GROUP = "image_auth"

auth_opts = [
    cfg.StrOpt(
        "strategy",
        default="noauth",
        choices=["noauth", "keystone"],
        help="noauth: trust X-Project-Id/X-Roles headers; keystone: validate "
        "tokens with keystonemiddleware's auth_token ([keystone_authtoken]).",
    ),
    cfg.ListOpt(
        "noauth_roles",
        default=["admin"],
        help="Roles of a noauth request that sends no X-Roles header.",
    ),
]


def auth_factory(
    global_conf: dict[str, Any], **local_conf: str
) -> Callable[[WSGIApp], WSGIApp]:
    """Pick the auth middleware once, when the pipeline is built."""
    conf = conf_from_global(global_conf)
    if conf[GROUP].strategy == "keystone":
        return _keystone(conf)
    roles = ",".join(conf[GROUP].noauth_roles)
    return lambda app: NoAuth(app, roles)


def _keystone(conf: cfg.ConfigOpts) -> Callable[[WSGIApp], WSGIApp]:
    try:
        from keystonemiddleware import auth_token
    except ImportError:
        raise errors.PasteConfigError(
            "[image_auth] strategy = keystone needs keystonemiddleware",
            "pip install keystonemiddleware, or use strategy = noauth",
        ) from None
    return lambda app: auth_token.AuthProtocol(app, {"oslo_config_config": conf})


class NoAuth:
    """Fills in default roles; never rejects a request."""

    def __init__(self, app: WSGIApp, roles: str) -> None:
        self._app = app
        self._roles = roles

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        if not environ.get("HTTP_X_ROLES"):
            environ["HTTP_X_ROLES"] = self._roles
        return self._app(environ, start_response)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, auth_opts)]
