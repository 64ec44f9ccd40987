"""Request bodies to plugin dicts: known attributes only, converted, defaulted."""

from typing import Any

from services.network import exceptions as exc
from services.network.api.attributes import ABSENT, REQUIRED, ResourceSpec


def for_create(spec: ResourceSpec, item: Any, project_id: str | None) -> dict:
    """A complete dict for the plugin's create, or InvalidInput."""
    item = _object(spec, item)
    _only(spec, item, "post")
    result = {}
    for name, attr in spec.attributes.items():
        if not attr.post or name in ("tenant_id", "project_id"):
            continue
        if name in item:
            result[name] = attr.convert(item[name])
        elif attr.default is REQUIRED:
            raise exc.InvalidInput(f"{spec.singular} attribute '{name}' is required")
        elif attr.default is not ABSENT:
            result[name] = _fresh(attr.default)
    result["project_id"] = _project(item, project_id)
    return result


def for_update(spec: ResourceSpec, item: Any) -> dict:
    item = _object(spec, item)
    _only(spec, item, "put")
    return {name: spec.attributes[name].convert(v) for name, v in item.items()}


def unwrap(spec: ResourceSpec, body: Any) -> tuple[list[Any], bool]:
    """The items of ``{"port": {...}}`` or ``{"ports": [...]}`` and if bulk."""
    if isinstance(body, dict) and len(body) == 1:
        if spec.singular in body:
            return [body[spec.singular]], False
        if spec.collection in body and isinstance(body[spec.collection], list):
            if not body[spec.collection]:
                raise exc.InvalidInput(f"no {spec.collection} in bulk request")
            return body[spec.collection], True
    raise exc.HTTPBadRequest(f"body must be {{'{spec.singular}': {{...}}}}")


def _object(spec: ResourceSpec, item: Any) -> dict:
    if not isinstance(item, dict):
        raise exc.InvalidInput(f"{spec.singular} must be an object")
    return item


def _only(spec: ResourceSpec, item: dict, action: str) -> None:
    unknown = sorted(k for k in item if k not in spec.attributes)
    if unknown:
        raise exc.InvalidInput(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    verb = "POST" if action == "post" else "PUT"
    for name in item:
        if not getattr(spec.attributes[name], action):
            raise exc.InvalidInput(f"Attribute '{name}' not allowed in {verb}")


def _project(item: dict, project_id: str | None) -> str:
    given = {item[k] for k in ("project_id", "tenant_id") if k in item}
    if len(given) > 1:
        raise exc.InvalidInput("'project_id' and 'tenant_id' do not match")
    if given:
        return str(given.pop())
    return project_id or ""


def _fresh(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
