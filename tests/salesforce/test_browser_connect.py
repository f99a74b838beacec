"""A real browser: log in, Settings > Integrations, Connect Salesforce, Allow, see Connected.

Headless Debian Chromium via Playwright's sync API, against the platform over real HTTP
(``http_server``) and the Salesforce emulator. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.salesforce_emulator import start_emulator
from tests.browser import CHROMIUM, chromium_page, log_in, screenshot
from tests.conftest import host_of, owner_of
from tests.salesforce.conftest import CLIENT_ID, SECRET, code_exchanges

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture
def browser_emulator(http_server, settings):
    redirect = f"http://localhost:{http_server.port}/oauth/salesforce/callback"
    handle = start_emulator(port=0, redirect_uris=[redirect])
    settings.SALESFORCE_LOGIN_URL = handle.base_url
    settings.SALESFORCE_CLIENT_ID = CLIENT_ID
    settings.SALESFORCE_CLIENT_SECRET = SECRET
    settings.SALESFORCE_REDIRECT_URI = redirect
    yield handle
    handle.stop()


def test_connect_salesforce_in_a_browser(http_server, committed_org, browser_emulator):
    org = committed_org("browser")
    host, email = host_of(org), owner_of(org).email  # no ORM inside Playwright's event loop
    with chromium_page(timeout_ms=20_000) as page:
        log_in(page, http_server.url(host, ""), email)
        page.get_by_role("link", name="Settings > Integrations").click()
        card = page.get_by_role("article").filter(has_text="Salesforce")
        playwright_api.expect(card).to_contain_text("Not connected")
        screenshot(page, "salesforce-1-integrations")
        card.get_by_role("link", name="Configure").click()
        page.get_by_role("button", name="Connect Salesforce").click()
        playwright_api.expect(page.get_by_role("heading", name="Allow access?")).to_be_visible()
        screenshot(page, "salesforce-2-consent")
        page.get_by_role("button", name="Allow").click()
        playwright_api.expect(page.locator(".status")).to_have_text("Connected")
        playwright_api.expect(page.get_by_text("Connected as admin@acme-demo.example — org")
                              .first).to_be_visible()
        assert page.url == http_server.url(host, "/settings/integrations/salesforce")
        screenshot(page, "salesforce-3-connected")
        page.get_by_role("link", name="Settings > Integrations").first.click()
        playwright_api.expect(card).to_contain_text("Connected as admin@acme-demo.example")
    assert code_exchanges(browser_emulator) == 1
    with org:
        from host.integrations import get_connection

        assert get_connection("salesforce").status == "connected"
