"""A real browser on Settings > Integrations, with only the user guide's words.

Step 02: "Go to Settings > Integrations. Click Connect Salesforce. Complete OAuth in Salesforce.
Return to demeterrr and confirm Connected status. After connection, open Configure on the
Salesforce card." Step 08: "From the Salesforce card in Integrations: Sync Now triggers contact
sync; Disconnect stops sync and trigger behavior."

Headless Debian Chromium via Playwright's sync API, against the platform over real HTTP
(``http_server``), a real Celery worker and the Salesforce emulator. Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from host.integrations import get_connection
from host.models import ExternalLink
from tenants.models import Membership
from tests.browser import chromium_page, log_in, screenshot
from tests.conftest import PASSWORD, host_of, owner_of
from tests.salesforce.conftest import CLIENT_ID, SECRET, code_exchanges

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
CONTACTS = 4500  # three pages of 2,000: with the emulator slowed down, the bar moves visibly


def nav(page):
    """The main navigation's Settings > Integrations (the configure page links back there too)."""
    return page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Settings > Integrations")


@pytest.fixture
def browser_emulator(http_server, emulator, settings):
    """The session's emulator (on the address the worker is configured with), seeded, with the
    live server's callback registered."""
    redirect = f"http://localhost:{http_server.port}/oauth/salesforce/callback"
    emulator.state.reset(seed="demo", contacts=CONTACTS, accounts=3, opportunities=0)
    emulator.state.configure(redirect_uris=[redirect])
    settings.SALESFORCE_LOGIN_URL = emulator.base_url
    settings.SALESFORCE_CLIENT_ID = CLIENT_ID
    settings.SALESFORCE_CLIENT_SECRET = SECRET
    settings.SALESFORCE_REDIRECT_URI = redirect
    settings.ORG_URL_SCHEME, settings.ORG_URL_PORT = "http", str(http_server.port)
    yield emulator
    emulator.state.reset()


def test_the_salesforce_card_as_the_guide_walks_it(http_server, committed_org, browser_emulator,
                                                   celery_worker):
    org = committed_org("card")
    host, email = host_of(org), owner_of(org).email  # no ORM inside Playwright's event loop
    member = get_user_model().objects.create_user(
        username=f"member@{host}", email=f"member@{host}", password=PASSWORD)
    Membership.objects.create(user=member, organization=org, role=Membership.Role.MEMBER)
    base = http_server.url(host, "")
    with chromium_page(timeout_ms=20_000) as page:
        log_in(page, base, email)
        # 02: Settings > Integrations → Connect Salesforce → Allow → back on the card, Connected.
        nav(page).click()
        card = page.get_by_role("article").filter(has_text="Salesforce")
        expect(card).to_contain_text("Not connected")
        screenshot(page, "card-1-not-connected")
        card.get_by_role("button", name="Connect Salesforce").click()
        expect(page.get_by_role("heading", name="Allow access?")).to_be_visible()
        page.get_by_role("button", name="Allow").click()
        expect(page).to_have_url(base + "/settings/integrations")
        expect(page.get_by_text("Salesforce is connected as admin@acme-demo.example")
               ).to_be_visible()
        expect(card.locator(".status")).to_have_text("Connected")
        expect(card).to_contain_text("Connected as admin@acme-demo.example")
        screenshot(page, "card-2-connected")

        # 08: Sync Now on the card, with the live progress visible, to its outcome.
        browser_emulator.state.configure(api_delay_seconds=0.6)
        card.get_by_role("button", name="Sync Now").click()
        expect(page.get_by_text("Sync started.")).to_be_visible()
        bar = card.locator("progress")
        expect(bar).to_be_visible()
        page.wait_for_function(
            "() => { const b = document.querySelector('.integration-card progress');"
            " return b && b.value > 0 && b.value < b.max; }")
        screenshot(page, "card-3-syncing")
        expect(card.locator(".last-sync")).to_contain_text(
            f"Succeeded, {CONTACTS} records", timeout=60_000)
        screenshot(page, "card-4-synced")
        browser_emulator.state.configure(api_delay_seconds=0.0)

        # 02: After connection, open Configure on the Salesforce card.
        card.get_by_role("link", name="Configure").click()
        expect(page).to_have_url(base + "/settings/integrations/salesforce")
        expect(page.get_by_role("heading", name="Connection")).to_be_visible()

        # 08: back on the card, Disconnect (confirmed) → Not connected, Connect Salesforce again.
        nav(page).click()
        card.get_by_role("link", name="Disconnect").click()
        expect(page.get_by_text("Disconnecting stops contact sync, triggers and score pushback")
               ).to_be_visible()
        screenshot(page, "card-5-disconnect-confirm")
        page.get_by_role("button", name="Disconnect").click()
        expect(page).to_have_url(base + "/settings/integrations")
        expect(card.locator(".status")).to_have_text("Not connected")
        expect(card.get_by_role("button", name="Connect Salesforce")).to_be_enabled()
        screenshot(page, "card-6-disconnected")

    # A member sees the status but no buttons.
    with chromium_page(timeout_ms=20_000) as page:
        log_in(page, base, f"member@{host}")
        nav(page).click()
        card = page.get_by_role("article").filter(has_text="Salesforce")
        expect(card.locator(".status")).to_have_text("Not connected")
        expect(card.get_by_role("button")).to_have_count(0)
        expect(card.get_by_role("link")).to_have_count(0)

    assert code_exchanges(browser_emulator) == 1
    with org:
        assert ExternalLink.objects.filter(provider="salesforce").count() == CONTACTS
        assert get_connection("salesforce").status == "disconnected"
