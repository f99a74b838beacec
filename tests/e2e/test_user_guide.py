"""The product's Salesforce user guide, walked end to end in a real browser.

Headless Chromium (Playwright) against the running stack: the web app over real HTTP, a real
Celery worker, Celery beat, and the Salesforce emulator. Every step saves a screenshot to
``test-artifacts/guide-*.png``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date

import pytest
import requests

from tests.browser import chromium_page, log_in, screenshot
from tests.conftest import ROOT, database_url, host_of, owner_of
from tests.salesforce.conftest import CLIENT_ID, SECRET
from tests.sequences.factories import active_sequence
from tests.waiting import wait_for

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect



@pytest.fixture
def beat(celery_worker, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "host", "beat", "-l", "warning",
         "-s", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    proc.terminate()
    proc.wait(timeout=15)


@pytest.fixture
def stack(http_server, celery_worker, beat, emulator, settings):
    """Web (this process), worker and beat (processes), emulator (a thread here: the session's,
    on the address the worker and beat are configured with)."""
    redirect = f"http://localhost:{http_server.port}/oauth/salesforce/callback"
    emulator.state.reset(seed="demo", contacts=40, accounts=5, opportunities=4)
    emulator.state.configure(redirect_uris=[redirect])
    settings.DEBUG = True  # the development-only emulator buttons of the guide's demo
    settings.SALESFORCE_LOGIN_URL = emulator.base_url
    settings.SALESFORCE_CLIENT_ID, settings.SALESFORCE_CLIENT_SECRET = CLIENT_ID, SECRET
    settings.SALESFORCE_REDIRECT_URI = redirect
    settings.ORG_URL_SCHEME, settings.ORG_URL_PORT = "http", str(http_server.port)
    yield emulator
    emulator.state.reset()


def mail_with(maildir, *needles: str) -> str | None:
    for path in sorted(maildir.glob("*.log")):
        text = path.read_text(errors="replace")
        if all(n in text for n in needles):
            return text
    return None


def test_the_salesforce_user_guide_end_to_end(stack, http_server, committed_org, celery_worker):
    emulator = stack
    org = committed_org("guide")
    with org:
        sequence = active_sequence(steps=(("survey", 0), ("reminder", 72)),
                                   name="Post-purchase NPS")
    email, base = owner_of(org).email, http_server.url(host_of(org), "")
    shots = iter(range(1, 100))

    def shot(page, name):
        screenshot(page, f"guide-{next(shots):02d}-{name}")

    with chromium_page() as page:
        log_in(page, base, email)
        shot(page, "logged-in")

        # 02 Connect Salesforce: Settings > Integrations → Connect Salesforce → OAuth →
        # Connected on the card; then Configure on the Salesforce card.
        integrations = page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Settings > Integrations")
        integrations.click()
        card = page.get_by_role("article").filter(has_text="Salesforce")
        expect(card).to_contain_text("Not connected")
        shot(page, "integrations")
        card.get_by_role("button", name="Connect Salesforce").click()
        page.get_by_role("button", name="Allow").click()
        expect(card.locator(".status")).to_have_text("Connected")
        shot(page, "connected")
        card.get_by_role("link", name="Configure").click()

        # 03 Trigger mode both, with a sequence; 06 default mapping, Test Fields, save.
        page.get_by_label("both: Enable auto triggers and manual queue").check()
        page.get_by_label("Sequence to run").select_option(label="Post-purchase NPS")
        page.get_by_role("button", name="Save trigger mode").click()
        expect(page.get_by_label("both: Enable auto triggers and manual queue")).to_be_checked()
        expect(page.get_by_label("NPS score field")).to_have_value("NPS_Score__c")
        expect(page.get_by_label("CSAT score field")).to_have_value("CSAT_Score__c")
        expect(page.get_by_label("Last survey date field")).to_have_value("Last_Survey_Date__c")
        page.get_by_role("button", name="Test Fields").click()
        checks = page.locator("tr.ok")
        expect(checks).to_have_count(3)
        expect(page.locator("tr.problem")).to_have_count(0)
        shot(page, "test-fields")
        page.get_by_role("button", name="Save mapping").click()

        # 08 From the Salesforce card in Integrations: Sync Now, to completion.
        integrations.click()
        card.get_by_role("button", name="Sync Now").click()
        expect(card.locator(".last-sync")).to_contain_text("Succeeded", timeout=60_000)
        shot(page, "synced")

        # 04 Manual queue: select two contacts, a sequence, Trigger.
        card.get_by_role("link", name="Configure").click()
        page.get_by_role("link", name="Open the manual queue").click()
        boxes = page.locator(".row-select")
        picked = [boxes.nth(i).get_attribute("aria-label").removeprefix("Select ")
                  for i in (0, 1)]
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.get_by_label("Sequence", exact=True).select_option(label="Post-purchase NPS")
        page.get_by_role("button", name="Trigger").click()
        expect(page.get_by_text("2 queued in 'Post-purchase NPS'")).to_be_visible()
        shot(page, "queue-triggered")

        # The survey email arrives; open its link and answer 9.
        mail = wait_for(lambda: mail_with(celery_worker.maildir, picked[0].split(" ")[0],
                                          "wants your feedback"))
        token = re.search(r"/s/([\w-]{20,64})", mail).group(1)
        page.goto(base + f"/s/{token}")
        page.locator("label.score", has_text=re.compile(r"^\s*9\s*$")).click()
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_text("Thank you! Your answer: 9")).to_be_visible()
        shot(page, "survey-answered")

        # 06 The emulator's Contact now holds NPS_Score__c = 9 and today's date.
        recipient = re.search(r"^To: (.+)$", mail, re.M).group(1).strip()
        sf_contact = next(c for c in emulator.state.records("Contact", include_deleted=False)
                          if (c["Email"] or "").lower() == recipient.lower())
        pushed = wait_for(lambda: emulator.state.get("Contact", sf_contact["Id"])
                          if emulator.state.get("Contact", sf_contact["Id"])["NPS_Score__c"]
                          == 9 else None)
        assert pushed["Last_Survey_Date__c"] in (date.today().isoformat(), date.today())

        # 03/07 Closed Won in Salesforce → Outbound Message → a sending, in the event log.
        page.goto(base + "/settings/integrations/salesforce")
        # Each button posts a form: wait for its page before the next step (a reload racing the
        # navigation detaches the page).
        for button in ("Send these settings to the local emulator",
                       "Close an opportunity as won in the emulator"):
            with page.expect_navigation():
                page.get_by_role("button", name=button).click()
        log = page.locator("#sf-events").locator("xpath=..")

        def event_logged():
            page.reload()
            return "1 sending created" in log.inner_text()

        wait_for(event_logged, timeout=60)
        shot(page, "closed-won-event")

        # 05 The survey button: an API key with sequences:execute runs execute.
        page.get_by_role("link", name="Settings > API").click()
        page.get_by_label("Name").fill("Salesforce survey button")
        page.get_by_label("sequences:execute").check()
        page.get_by_role("button", name="Create key").click()
        key = page.get_by_role("textbox", name="API key").input_value()
        shot(page, "api-key")

    response = requests.post(
        f"http://127.0.0.1:{http_server.port}/api/v1/sequences/{sequence.pk}/execute",
        headers={"Host": f"localhost:{http_server.port}", "Authorization": f"Bearer {key}"},
        json={"contacts": [{"email": "button@example.com", "firstName": "Flow"}]}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["results"][0]["status"] == "queued"

    # 08 Disconnect (from the Salesforce card) stops trigger behaviour: a new Closed Won is
    # ignored as "disconnected".
    with chromium_page() as page:
        log_in(page, base, email)
        page.goto(base + "/settings/integrations")
        card = page.get_by_role("article").filter(has_text="Salesforce")
        card.get_by_role("link", name="Disconnect").click()
        page.get_by_role("button", name="Disconnect").click()
        expect(card.locator(".status")).to_have_text("Not connected")
        page.goto(base + "/settings/integrations/salesforce")
        deal = next(o for o in emulator.state.records("Opportunity", include_deleted=False)
                    if not o["IsClosed"])
        emulator.state.update("Opportunity", deal["Id"], {"StageName": "Closed Won"})
        log = page.locator("#sf-events").locator("xpath=..")

        def ignored():
            page.reload()
            return "Ignored: disconnected" in log.inner_text()

        wait_for(ignored, timeout=60)
        shot(page, "disconnected-event-ignored")
