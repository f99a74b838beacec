"""A real browser clicks Sync Now and watches the live progress bar fill (real worker)."""

from __future__ import annotations

import os

import pytest

from host.integrations import get_connection
from host.models import ExternalLink
from tests.conftest import PASSWORD, host_of, owner_of
from tests.salesforce.conftest import connect, org_client, page_text
from tests.salesforce.test_browser_connect import ARTIFACTS, CHROMIUM, _wait_for_server_threads

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
playwright_api = pytest.importorskip("playwright.sync_api")

N = 5000  # three pages of 2,000; the emulator is slowed down so the bar moves visibly


def test_sync_now_shows_live_progress(http_server, committed_org, sf, celery_worker):
    org = committed_org("syncui")
    sf.state.reset(seed="demo", contacts=N, accounts=3, opportunities=0)
    assert "Connected" in page_text(connect(org_client(org), org))
    sf.state.configure(api_delay_seconds=0.8)
    host, email = host_of(org), owner_of(org).email
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(http_server.url(host, "/accounts/login/"))
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.goto(http_server.url(host, "/settings/integrations/salesforce"))
            page.get_by_role("button", name="Sync Now").click()
            playwright_api.expect(page.get_by_text("Sync started")).to_be_visible()
            bar = page.locator("#sync-progress-bar")
            playwright_api.expect(bar).to_be_visible()
            page.wait_for_function(
                "() => { const b = document.querySelector('#sync-progress-bar');"
                " return b && b.value > 0 && b.value < b.max; }")
            page.screenshot(path=str(ARTIFACTS / "salesforce-sync-progress.png"), full_page=True)
            playwright_api.expect(page.get_by_role("cell", name="Succeeded")).to_be_visible(
                timeout=60_000)
            playwright_api.expect(page.get_by_role("cell", name=f"{N} of {N}")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "salesforce-sync-done.png"), full_page=True)
        finally:
            browser.close()
            _wait_for_server_threads()
    with org:
        assert ExternalLink.objects.filter(provider="salesforce").count() == N
        assert get_connection("salesforce").sync_checkpoint["complete"] is True
