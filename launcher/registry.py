"""Find service definitions through stevedore entry points.

Loading is strict and specific: a broken entry point is reported by name
with the reason, and never hides the definitions that did load.
"""

import dataclasses

import stevedore

from launcher import errors
from launcher.definition import ServiceDefinition

NAMESPACE = "svc_launch.services"


@dataclasses.dataclass(frozen=True)
class BrokenEntryPoint:
    name: str
    target: str
    reason: str

    def __str__(self) -> str:
        return (
            f"entry point {self.name!r} ({self.target}) in {NAMESPACE} "
            f"failed to load: {self.reason}"
        )


@dataclasses.dataclass(frozen=True)
class Registry:
    definitions: dict[str, ServiceDefinition]
    broken: dict[str, BrokenEntryPoint]

    def get(self, binary: str) -> ServiceDefinition:
        if binary in self.definitions:
            return self.definitions[binary]
        if binary in self.broken:
            raise errors.DefinitionLoadError(
                str(self.broken[binary]),
                "fix or uninstall the package that provides it",
            )
        known = ", ".join(sorted(self.definitions)) or "none installed"
        raise errors.UnknownBinary(
            f"unknown binary {binary!r}",
            f"known binaries: {known} (see svc-launch --list)",
        )


def _describe(value: object) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def load(namespace: str = NAMESPACE) -> Registry:
    """Load every definition in ``namespace``; collect the broken ones."""
    broken: dict[str, BrokenEntryPoint] = {}

    def on_failure(manager: object, entry_point: object, exc: Exception) -> None:
        name = getattr(entry_point, "name", str(entry_point))
        broken[name] = BrokenEntryPoint(
            name, getattr(entry_point, "value", "?"), f"{type(exc).__name__}: {exc}"
        )

    extensions = stevedore.ExtensionManager(
        namespace, invoke_on_load=False, on_load_failure_callback=on_failure
    )
    definitions: dict[str, ServiceDefinition] = {}
    for ext in extensions:
        value = ext.plugin
        target = getattr(ext.entry_point, "value", "?")
        if callable(value) and not isinstance(value, ServiceDefinition):
            try:
                value = value()
            except Exception as exc:
                broken[ext.name] = BrokenEntryPoint(
                    ext.name, target, f"{type(exc).__name__}: {exc}"
                )
                continue
        if not isinstance(value, ServiceDefinition):
            broken[ext.name] = BrokenEntryPoint(
                ext.name,
                target,
                f"expected a ServiceDefinition, got {_describe(value)}",
            )
            continue
        if value.binary != ext.name:
            broken[ext.name] = BrokenEntryPoint(
                ext.name, target, f"declares binary {value.binary!r}, not {ext.name!r}"
            )
            continue
        definitions[ext.name] = value
    return Registry(definitions, broken)
