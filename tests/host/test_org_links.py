"""Org URLs come from ``host.links.org_base_url``: the configured public scheme and port, never
the internal request's (behind a proxy the app hears http on an internal port)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from host.links import org_base_url
from tenants.models import OAuthState


@pytest.fixture
def public_urls(settings):
    settings.ORG_URL_SCHEME, settings.ORG_URL_PORT = "https", "8443"


def test_org_base_url_uses_the_configured_scheme_and_port(org_a, settings):
    settings.ORG_URL_SCHEME, settings.ORG_URL_PORT = "https", "8443"
    assert org_base_url(org_a) == "https://org-a.localhost:8443"
    for default_port in ("", "443", "80"):
        settings.ORG_URL_PORT = default_port
        assert org_base_url(org_a) == "https://org-a.localhost"


def test_oauth_relay_sends_the_browser_to_the_public_org_url(org_a, public_urls):
    state = "relay-state-1234567890"
    OAuthState.objects.create(
        state_hash=hashlib.sha256(state.encode()).hexdigest(), organization=org_a,
        provider="salesforce", session_hash="x", user_id=1, private_state_encrypted="",
        expires_at=timezone.now() + timedelta(minutes=5))
    # What the app sees behind the proxy: plain HTTP on its internal port.
    relay = Client(HTTP_HOST="localhost:8000").get("/oauth/salesforce/callback",
                                                   {"state": state, "code": "abc"})
    assert relay.status_code == 302
    target = urlsplit(relay["Location"])
    assert (target.scheme, target.netloc) == ("https", "org-a.localhost:8443")
    assert target.path == "/settings/integrations/salesforce/oauth/complete"
    assert parse_qs(target.query) == {"state": [state], "code": ["abc"]}


def test_survey_and_unsubscribe_links_in_emails(in_org_a, public_urls, mailoutbox):
    from plugins.sequences.delivery import run_due_step
    from tests.sequences.test_delivery import enrolled

    sending = enrolled()
    assert run_due_step(sending.pk) == "sent"
    [mail] = mailoutbox
    assert f"https://org-a.localhost:8443/s/{sending.token}" in mail.body
    assert f"https://org-a.localhost:8443/s/{sending.token}/unsubscribe" in mail.body
    assert "http://" not in mail.body
    assert mail.extra_headers["List-Unsubscribe"] == (
        f"<https://org-a.localhost:8443/s/{sending.token}/unsubscribe>")


def test_webhook_url_shown_to_admins(client_a, public_urls):
    page = client_a.get("/settings/integrations/salesforce", HTTP_HOST="org-a.localhost:8000")
    assert page.status_code == 200
    assert ('value="https://org-a.localhost:8443/api/v1/integrations/salesforce/webhook"'
            in page.content.decode())
