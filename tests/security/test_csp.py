"""The strict Content-Security-Policy on every page, and templates that need nothing looser."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

from tests.conftest import ROOT

STRICT = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
    "img-src": "'self' data:", "object-src": "'none'", "base-uri": "'self'",
    "frame-ancestors": "'none'",
}
SALESFORCE = ("https://login.salesforce.com", "https://test.salesforce.com",
              "https://*.my.salesforce.com")


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in header.split(";"))}


def test_every_org_page_is_strict_and_lets_connect_reach_the_crm_only(client_a):
    for path in ("/", "/settings/integrations", "/settings/api", "/sequences", "/contacts",
                 "/no-such-page"):
        found = policy(client_a.get(path))
        for directive, value in STRICT.items():
            assert found[directive] == value, (path, directive)
        form_action = found["form-action"].split()
        assert form_action[0] == "'self'"
        assert all(origin in form_action for origin in SALESFORCE)
        assert not any(o in ("*", "https:", "http:", "'unsafe-inline'") for o in form_action)


def test_the_public_host_and_unknown_hosts_get_the_policy_with_no_crm(public_client, db):
    admin = policy(public_client.get("/admin/login/"))
    assert admin["form-action"] == "'self'" and admin["script-src"] == "'self'"
    unknown = Client(HTTP_HOST="nobody.example").get("/")
    assert unknown.status_code == 404 and policy(unknown)["default-src"] == "'self'"


def test_an_integration_disabled_for_the_org_is_not_a_form_target(client_a, org_a):
    org_a.disabled_integrations = ["salesforce"]
    org_a.save(update_fields=["disabled_integrations"])
    form_action = policy(client_a.get("/"))["form-action"]
    assert "salesforce" not in form_action


# Templates served as pages: no inline script, no event handler attribute, no inline style (the
# survey emails are not pages: mail clients need inline styles).
TEMPLATE_DIRS = ["host", "plugins", "api"]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_inline_code_or_styles():
    found = []
    for top in TEMPLATE_DIRS:
        for path in Path(ROOT, top).rglob("templates/**/*.html"):
            if "/email/" in path.as_posix():
                continue
            text = path.read_text()
            found += [f"{path.relative_to(ROOT)}: {what}" for pattern, what in INLINE
                      if pattern.search(text)]
    assert found == []
