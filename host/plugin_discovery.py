"""Find plugins at settings time, before Django's app registry exists.

A plugin is a pluggy module (``pkg.plugin``) whose package (``pkg``) is a Django app. Built-in
plugins are listed in settings; external ones are found through an entry-point group, so a
platform team ships a CRM plugin as a normal Python distribution and never edits the host.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PluginRef:
    name: str  # entry-point name, or the app label for built-ins
    module: str  # dotted path of the pluggy module
    source: str  # "builtin" or the distribution that declared it

    @property
    def app(self) -> str:
        """The Django app that owns the plugin's models, views, tasks and templates."""
        return self.module.rpartition(".")[0]


def discover_plugins(builtin: list[str], group: str) -> list[PluginRef]:
    refs = [PluginRef(name=module.split(".")[-2], module=module, source="builtin")
            for module in builtin]
    for entry_point in importlib.metadata.entry_points(group=group):
        dist = entry_point.dist.name if entry_point.dist else "unknown distribution"
        refs.append(PluginRef(name=entry_point.name, module=entry_point.value, source=dist))
    seen: dict[str, PluginRef] = {}
    for ref in refs:
        if ref.name in seen:
            raise ImproperlyConfigured(
                f"Plugin name {ref.name!r} is declared twice ({seen[ref.name].source}, {ref.source})."
            )
        seen[ref.name] = ref
        _check_importable(ref)
    return refs


def _check_importable(ref: PluginRef) -> None:
    """Fail start-up with the plugin's name and error instead of a bare traceback."""
    if not ref.app:
        raise ImproperlyConfigured(
            f"Plugin {ref.name!r}: {ref.module!r} must be a module inside a package (pkg.plugin)."
        )
    try:
        importlib.import_module(ref.app)
    except Exception as exc:  # noqa: BLE001 - any import failure stops start-up the same way
        raise ImproperlyConfigured(
            f"Plugin {ref.name!r} ({ref.module}, from {ref.source}) failed to load: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
