"""The pluggy plugin manager: loads every discovered plugin once, validating its hooks."""

from __future__ import annotations

import importlib
from functools import cache

import pluggy
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from host import hookspecs


@cache
def get_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for ref in settings.PLATFORM_PLUGINS:
        try:
            module = importlib.import_module(ref.module)
        except Exception as exc:  # noqa: BLE001
            raise ImproperlyConfigured(
                f"Plugin {ref.name!r} ({ref.module}, from {ref.source}) failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        try:
            pm.register(module, name=ref.name)
            pm.check_pending()  # a hookimpl with no matching hookspec is rejected here
        except pluggy.PluginValidationError as exc:
            raise ImproperlyConfigured(f"Plugin {ref.name!r} ({ref.module}): {exc}") from exc
    return pm
