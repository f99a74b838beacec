"""A real browser clicks Sync Now and watches the live progress bar fill (real worker)."""

from __future__ import annotations

import pytest

from host.integrations import get_connection
from host.models import ExternalLink
from tests.browser import chromium_page, log_in, screenshot
from tests.conftest import host_of, owner_of
from tests.salesforce.conftest import connect, org_client, page_text

playwright_api = pytest.importorskip("playwright.sync_api")

N = 5000  # three pages of 2,000; the emulator is slowed down so the bar moves visibly


def test_sync_now_shows_live_progress(http_server, committed_org, sf, celery_worker):
    org = committed_org("syncui")
    sf.state.reset(seed="demo", contacts=N, accounts=3, opportunities=0)
    assert "Connected" in page_text(connect(org_client(org), org))
    sf.state.configure(api_delay_seconds=0.8)
    host, email = host_of(org), owner_of(org).email
    with chromium_page() as page:
        log_in(page, http_server.url(host, ""), email)
        page.goto(http_server.url(host, "/settings/integrations/salesforce"))
        page.get_by_role("button", name="Sync Now").click()
        playwright_api.expect(page.get_by_text("Sync started")).to_be_visible()
        bar = page.locator("#sync-progress-salesforce")
        playwright_api.expect(bar).to_be_visible()
        page.wait_for_function(
            "() => { const b = document.querySelector('#sync-progress-salesforce');"
            " return b && b.value > 0 && b.value < b.max; }")
        screenshot(page, "salesforce-sync-progress")
        playwright_api.expect(page.get_by_role("cell", name="Succeeded")).to_be_visible(
            timeout=60_000)
        playwright_api.expect(page.get_by_role("cell", name=f"{N} of {N}")).to_be_visible()
        screenshot(page, "salesforce-sync-done")
    with org:
        assert ExternalLink.objects.filter(provider="salesforce").count() == N
        assert get_connection("salesforce").sync_checkpoint["complete"] is True
