"""The cross-org matrix for every org page: org A's session never gets anything from org B's host.

Walks the org URLconf (host + every plugin), so a page added later is covered without editing
this test.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import host_of

PUBLIC_PREFIXES = ("api/v1/", "s/", "healthz", "accounts/", "static/")


def org_paths() -> list[str]:
    """Every org page with its parameters filled in, skipping the public ones."""
    paths = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                if route.startswith(PUBLIC_PREFIXES) or route in ("", "^$"):
                    continue
                paths.append("/" + fill(route))

    walk(get_resolver("host.urls_org").url_patterns)
    return sorted(set(paths))


def fill(route: str) -> str:
    values = {"uuid": str(uuid.uuid4()), "int": "1", "slug": "salesforce", "str": "x" * 32,
              "path": "x"}
    out = route
    while "<" in out:
        start, end = out.index("<"), out.index(">")
        converter = out[start + 1:end].split(":")[0] if ":" in out[start:end] else "str"
        out = out[:start] + values.get(converter, "x") + out[end + 1:]
    return out


PATHS = org_paths()


def test_the_matrix_covers_the_pages_that_matter():
    for page in ("/settings/integrations", "/settings/integrations/salesforce", "/settings/api",
                 "/sequences", "/sendings", "/contacts", "/settings/sending"):
        assert page in PATHS


@pytest.mark.parametrize("path", PATHS)
def test_org_a_session_gets_nothing_from_org_b(client_a, org_b, path):
    for method in ("get", "post"):
        response = getattr(client_a, method)(path, HTTP_HOST=host_of(org_b))
        assert response.status_code in (302, 400, 403, 404, 405), (method, path)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), (method, path)


@pytest.mark.parametrize("path", ["/settings/integrations", "/settings/integrations/salesforce",
                                  "/settings/api", "/sequences", "/contacts", "/sendings"])
def test_the_same_session_is_served_on_its_own_host(client_a, path):
    assert client_a.get(path).status_code == 200
