"""A real browser: log in, Settings > Integrations, Connect Salesforce, Allow, see Connected.

Headless Debian Chromium via Playwright's sync API, against the platform over real HTTP
(``http_server``) and the Salesforce emulator. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from plugins.salesforce.emulator import start_emulator
from tests.conftest import PASSWORD, ROOT, host_of, owner_of
from tests.salesforce.conftest import CLIENT_ID, SECRET, code_exchanges

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def _wait_for_server_threads(timeout: float = 10.0) -> None:
    """Let the live server finish the browser's keep-alive requests (and close their database
    connections) before the session's test database is dropped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
            "process_request_thread" in t.name for t in threading.enumerate()):
        time.sleep(0.05)


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
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            page.goto(http_server.url(host, "/accounts/login/"))
            page.get_by_label("Email").or_(page.get_by_label("Username")).first.fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.get_by_role("link", name="Settings > Integrations").click()
            card = page.get_by_role("article").filter(has_text="Salesforce")
            playwright_api.expect(card).to_contain_text("Not connected")
            page.screenshot(path=str(ARTIFACTS / "salesforce-1-integrations.png"))
            card.get_by_role("link", name="Configure").click()
            page.get_by_role("button", name="Connect Salesforce").click()
            playwright_api.expect(page.get_by_role("heading", name="Allow access?")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "salesforce-2-consent.png"))
            page.get_by_role("button", name="Allow").click()
            playwright_api.expect(page.locator(".status")).to_have_text("Connected")
            playwright_api.expect(page.get_by_text("Connected as admin@acme-demo.example — org")
                                  .first).to_be_visible()
            assert page.url == http_server.url(host, "/settings/integrations/salesforce")
            page.screenshot(path=str(ARTIFACTS / "salesforce-3-connected.png"), full_page=True)
            page.get_by_role("link", name="Settings > Integrations").first.click()
            playwright_api.expect(card).to_contain_text("Connected as admin@acme-demo.example")
        finally:
            browser.close()
            _wait_for_server_threads()
    assert code_exchanges(browser_emulator) == 1
    with org:
        from host.integrations import get_connection

        assert get_connection("salesforce").status == "connected"
