"""glance-api's HTTP client for glance-registry.

One ``requests.Session`` per worker (built lazily, after fork) keeps
connections alive. Each call has a connect and a read timeout; idempotent
calls are retried on connection errors (urllib3's Retry), never on an
HTTP answer. The caller's request id travels as X-OpenStack-Request-ID and
its identity as X-Project-Id/X-User-Id/X-Roles, so the registry logs the
same global id and applies the same scope.
"""

import json
from typing import Any

import requests
import webob.exc
from oslo_config import cfg
from oslo_context import context as oslo_context
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})

_ERRORS = {
    400: webob.exc.HTTPBadRequest,
    403: webob.exc.HTTPForbidden,
    404: webob.exc.HTTPNotFound,
    409: webob.exc.HTTPConflict,
}


class RegistryUnavailable(webob.exc.HTTPServiceUnavailable):
    """The registry cannot be reached or failed; the API answers 503."""


class RegistryClient:
    """Calls glance-registry's JSON API; HTTP errors come back as webob errors."""

    def __init__(self, options: cfg.ConfigOpts.GroupAttr) -> None:
        self.base_url = options.registry_url.rstrip("/")
        self.timeout = (options.connect_timeout, options.read_timeout)
        self.retries = options.retries
        self.pool_size = options.pool_size
        self._session: requests.Session | None = None

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = self._make_session()
        return self._session

    def _make_session(self) -> requests.Session:
        retry = Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=0,
            other=0,
            allowed_methods=IDEMPOTENT,
            backoff_factor=0.05,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=self.pool_size, max_retries=retry
        )
        session = requests.Session()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # -- the registry's resources ----------------------------------------------

    def list_images(
        self, context: Any, params: list[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        return self._call(context, "GET", "/images", params=params)["images"]

    def get(self, context: Any, image_id: str) -> dict[str, Any]:
        return self._call(context, "GET", f"/images/{image_id}")["image"]

    def create(self, context: Any, body: dict[str, Any]) -> dict[str, Any]:
        return self._call(context, "POST", "/images", body=body)["image"]

    def update(self, context: Any, image_id: str, **changes: Any) -> dict[str, Any]:
        return self._call(context, "PATCH", f"/images/{image_id}", body=changes)[
            "image"
        ]

    def delete(self, context: Any, image_id: str) -> dict[str, Any]:
        return self._call(context, "DELETE", f"/images/{image_id}")["image"]

    def add_tag(self, context: Any, image_id: str, tag: str) -> None:
        self._call(context, "PUT", f"/images/{image_id}/tags/{_quote(tag)}")

    def remove_tag(self, context: Any, image_id: str, tag: str) -> None:
        self._call(context, "DELETE", f"/images/{image_id}/tags/{_quote(tag)}")

    # -- plumbing ----------------------------------------------------------------

    def _call(
        self,
        context: Any,
        method: str,
        path: str,
        params: list[tuple[str, str]] | None = None,
        body: Any = None,
    ) -> Any:
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                data=None if body is None else json.dumps(body),
                headers=_headers(context, body is not None),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RegistryUnavailable(f"image registry unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise _error(response)
        return response.json() if response.content else None


def _headers(context: Any, has_body: bool) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if has_body:
        headers["Content-Type"] = "application/json"
    if not isinstance(context, oslo_context.RequestContext):
        return headers
    if context.global_id:
        headers["X-OpenStack-Request-ID"] = context.global_id
    for name, value in (
        ("X-Project-Id", context.project_id),
        ("X-User-Id", context.user_id),
        ("X-Roles", ",".join(context.roles)),
    ):
        if value:
            headers[name] = value
    return headers


def _error(response: requests.Response) -> webob.exc.HTTPException:
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text[:200]
    kind = _ERRORS.get(response.status_code)
    if kind is None:
        return RegistryUnavailable(
            f"image registry answered {response.status_code}: {message}"
        )
    return kind(message)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
