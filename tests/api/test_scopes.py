"""Scopes: every endpoint declares one; a key without it gets 403; wildcards grant a resource."""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from api.views.base import PUBLIC
from tests.api.conftest import error_of

ID = str(uuid.uuid4())
ENDPOINTS = [
    ("GET", "/contacts", "contacts:read"),
    ("POST", "/contacts", "contacts:write"),
    ("GET", f"/contacts/{ID}", "contacts:read"),
    ("PATCH", f"/contacts/{ID}", "contacts:write"),
    ("DELETE", f"/contacts/{ID}", "contacts:write"),
    ("GET", "/sequences", "sequences:read"),
    ("GET", f"/sequences/{ID}", "sequences:read"),
    ("POST", f"/sequences/{ID}/execute", "sequences:execute"),
    ("GET", "/responses", "responses:read"),
    ("GET", f"/responses/{ID}", "responses:read"),
]
OTHER_SCOPES = ["contacts:read", "contacts:write", "sequences:read", "sequences:execute",
                "responses:read"]


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


@pytest.mark.parametrize("urlconf", ["host.urls_org", "host.urls_public"])
def test_every_api_view_declares_its_scopes(urlconf):
    api_views = [(route, cb) for route, cb in _walk(get_resolver(urlconf).url_patterns)
                 # plugins' webhooks under api/v1/integrations/ use their own secrets, not keys
                 if route.startswith("api/v1/") and not route.startswith("api/v1/integrations/")]
    assert len(api_views) >= 10
    for route, callback in api_views:
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
        declared = getattr(view, "required_scopes", None)
        assert declared is not None, f"{route}: no required_scopes"
        if declared == PUBLIC:
            continue
        methods = {m.upper() for m in view.http_method_names if hasattr(view, m)} - {"HEAD", "OPTIONS"}
        assert methods, route
        assert methods <= set(declared), f"{route}: {methods - set(declared)} without a scope"


@pytest.mark.parametrize("method, path, scope", ENDPOINTS)
def test_a_key_without_the_scope_is_forbidden(public_api, org_a, make_key, method, path, scope):
    key = make_key(org_a, scopes=[s for s in OTHER_SCOPES if s != scope])
    response = public_api.call(method, path, key=key, json={} if method in ("POST", "PATCH") else None)
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "INSUFFICIENT_PERMISSIONS"
    assert error["message"] == f"This API key does not have the required scope: {scope}"
    assert error["requiredScope"] == scope


@pytest.mark.parametrize("method, path, scope", ENDPOINTS)
def test_the_scope_or_its_wildcard_passes_the_check(public_api, org_a, make_key, method, path,
                                                    scope):
    for granted in (scope, scope.split(":")[0] + ":*"):
        key = make_key(org_a, scopes=[granted])
        response = public_api.call(method, path, key=key,
                                   json={} if method in ("POST", "PATCH") else None)
        assert response.status_code in (200, 400, 404), (granted, response.content)
