"""A plugin's own settings, declared in its own module instead of ``host/settings.py``.

A plugin reads its environment variables once (names and defaults of its choice) into a
``PluginSettings``; the plugin's code reads ``conf.settings.NAME``. A Django setting of the same
name wins over the environment's value, read on every access, so ``override_settings`` and
pytest-django's ``settings`` fixture change it for a test exactly as for a host setting, and an
operator's settings module may set it too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings


class PluginSettings:
    def __init__(self, **defaults: Any):
        self._defaults = defaults

    def __getattr__(self, name: str) -> Any:
        try:
            default = self._defaults[name]
        except KeyError:
            raise AttributeError(f"No plugin setting {name!r}.") from None
        return getattr(django_settings, name, default)

    def names(self) -> list[str]:
        return list(self._defaults)
