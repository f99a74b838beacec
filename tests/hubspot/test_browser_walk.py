"""Issue 14's "done when", in Chromium against the emulator: Connect HubSpot → Connected → Sync
Now → a deal moved to won posts a signed webhook → one survey email to the deal's contact →
answering 9 writes ``nps_score = 9`` and today's ``last_survey_date`` → Disconnect revokes.

Web over real HTTP (this process), a real Celery worker, the HubSpot emulator (the session's,
whose address the worker knows). The emulator's webhook target is the app webhook on the
platform's own host, as in production: the host routes the event by ``portalId``. Screenshots go
to ``test-artifacts/hubspot-*.png``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from devtools.hubspot_emulator import CLIENT_ID, CLIENT_SECRET
from host.integrations import get_connection
from tests.browser import chromium_page, log_in, screenshot
from tests.conftest import host_of, owner_of
from tests.e2e.test_user_guide import mail_with
from tests.hubspot.conftest import control
from tests.sequences.factories import active_sequence
from tests.waiting import wait_for

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@pytest.fixture
def stack(http_server, celery_worker, hubspot_emulator, settings):
    redirect = f"http://localhost:{http_server.port}/oauth/hubspot/callback"
    hubspot_emulator.state.reset(seed="demo", contacts=30, deals=3)
    hubspot_emulator.state.configure(redirect_uris=[redirect])
    settings.HUBSPOT_API_URL = settings.HUBSPOT_AUTH_URL = hubspot_emulator.base_url
    settings.HUBSPOT_CLIENT_ID, settings.HUBSPOT_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.HUBSPOT_REDIRECT_URI = redirect
    settings.ORG_URL_SCHEME, settings.ORG_URL_PORT = "http", str(http_server.port)
    yield hubspot_emulator
    hubspot_emulator.state.webhooks.configure(target_url=None)
    hubspot_emulator.state.reset()


def test_hubspot_done_when(stack, http_server, committed_org, celery_worker):
    hs = stack
    org = committed_org("hsdone")
    with org:
        active_sequence(steps=(("survey", 0),), name="Post-purchase NPS")
    host, email = host_of(org), owner_of(org).email
    base = http_server.url(host, "")
    hs.state.webhooks.configure(
        target_url=http_server.url("localhost", "/api/v1/integrations/hubspot/webhook"))
    with chromium_page(timeout_ms=30_000) as page:
        log_in(page, base, email)
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Settings > Integrations").click()
        card = page.get_by_role("article").filter(has_text="HubSpot")
        card.get_by_role("button", name="Connect HubSpot").click()
        page.get_by_role("button", name="Connect app").click()
        expect(card.locator(".status")).to_have_text("Connected")
        screenshot(page, "hubspot-1-connected")

        card.get_by_role("button", name="Sync Now").click()
        expect(card.locator(".last-sync")).to_contain_text("Succeeded", timeout=60_000)
        screenshot(page, "hubspot-2-synced")

        card.get_by_role("link", name="Configure").click()
        page.get_by_label("auto: Trigger from won deal webhook events").check()
        page.get_by_label("Sequence to run").select_option(label="Post-purchase NPS")
        page.get_by_role("button", name="Save trigger mode").click()
        expect(page.get_by_text("Trigger mode saved: auto.")).to_be_visible()
        page.get_by_role("button", name="Test Fields").click()
        expect(page.locator("tr.problem")).to_have_count(3)
        page.get_by_role("button", name="Create missing properties").click()
        expect(page.get_by_text("Property nps_score (number) created in HubSpot.")).to_be_visible()
        expect(page.locator("tr.ok")).to_have_count(3)
        screenshot(page, "hubspot-3-configured")

        deal = control(hs, "POST", "/deals/win").json()
        contact_ids = control(hs, "GET", f"/deals/{deal['id']}").json()["contacts"]
        emails = [control(hs, "GET", f"/contacts/{cid}").json()["properties"].get("email")
                  for cid in contact_ids]
        recipient, hs_id = next((e, cid) for e, cid in zip(emails, contact_ids, strict=True) if e)
        mail = wait_for(lambda: mail_with(celery_worker.maildir, recipient, "wants your feedback"),
                        timeout=60)
        token = re.search(r"/s/([\w-]{20,64})", mail).group(1)
        page.goto(base + f"/s/{token}")
        page.locator("label.score", has_text=re.compile(r"^\s*9\s*$")).click()
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("Thank you! Your answer: 9")).to_be_visible()
        screenshot(page, "hubspot-4-answered")

        def pushed():
            props = control(hs, "GET", f"/contacts/{hs_id}").json()["properties"]
            return props if props.get("nps_score") == "9" else None

        props = wait_for(pushed, timeout=60)
        assert props["last_survey_date"] == datetime.now(UTC).date().isoformat()

        page.goto(base + "/settings/integrations/hubspot")
        with org:
            refresh = get_connection("hubspot").credentials["refresh_token"]
        page.get_by_role("link", name="Disconnect").click()
        page.get_by_role("button", name="Disconnect").click()
        expect(page.get_by_text("HubSpot is disconnected")).to_be_visible()
        screenshot(page, "hubspot-5-disconnected")
    assert hs.state.refresh[refresh].revoked
    with org:
        from plugins.sequences.models import Sending

        assert Sending.objects.filter(provider="hubspot", source="auto").count() == len(
            [e for e in emails if e])
