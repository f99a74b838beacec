"""Plugins' URL patterns, guarded by per-org enablement: the host's check, not each view's.

Every view a plugin contributes through ``platform_urls`` on the org hosts is wrapped: when the
organization has none of the plugin's integrations enabled (platform staff disabled them), the
view is never called and the request gets the 404 page — the JSON envelope under ``/api/``
(``host.views.errors``). Plugins that declare no integration (the sequences runtime) are not
guarded. On the public host there is no organization to ask, so patterns pass through as given.
"""

from __future__ import annotations

import functools

from django.http import Http404
from django.urls import URLPattern, URLResolver

from host.hooks import platform
from host.integrations import integration_keys_of, is_enabled


def contributed(scope: str) -> list[URLPattern | URLResolver]:
    """Every plugin's patterns for ``scope`` ("org" or "public"), guarded on org hosts."""
    patterns: list[URLPattern | URLResolver] = []
    for plugin, contributed_patterns in platform.platform_urls(scope):
        keys = integration_keys_of(plugin) if scope == "org" else []
        patterns += [guard(p, keys) for p in contributed_patterns] if keys else contributed_patterns
    return patterns


def contributed_api() -> list[URLPattern | URLResolver]:
    """Every plugin's REST endpoints (``platform_api_urls``), guarded like their pages."""
    patterns: list[URLPattern | URLResolver] = []
    for plugin, contributed_patterns in platform.platform_api_urls():
        keys = integration_keys_of(plugin)
        patterns += [guard(p, keys) for p in contributed_patterns] if keys else contributed_patterns
    return patterns


def guard(pattern: URLPattern | URLResolver, keys: list[str]) -> URLPattern | URLResolver:
    """``pattern`` with each view refusing organizations that enabled none of ``keys``."""
    if isinstance(pattern, URLResolver):
        return URLResolver(pattern.pattern, [guard(p, keys) for p in pattern.url_patterns],
                           pattern.default_kwargs, pattern.app_name, pattern.namespace)
    return URLPattern(pattern.pattern, require_enabled(pattern.callback, keys),
                      pattern.default_args, pattern.name)


def require_enabled(view, keys: list[str]):
    @functools.wraps(view)  # keeps csrf_exempt, DRF's cls/initkwargs for the schema, etc.
    def guarded(request, *args, **kwargs):
        org = getattr(request, "tenant", None)
        if org is not None and org.schema_name != "public" and \
                not any(is_enabled(key, org) for key in keys):
            raise Http404("This integration is not available for this organization.")
        return view(request, *args, **kwargs)

    return guarded
