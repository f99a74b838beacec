"""Every staff page on a phone (375 px) and a desktop (1280 px), as owner and as member.

One Chromium, one org on the live server, Salesforce connected to the session's emulator and
every list filled with long names, addresses and errors (the nine-column sync history, the
manual queue, the event and pushback logs, API keys). Each page is screenshotted into
``test-artifacts/walk/`` and must not widen the viewport (``scrollWidth <= innerWidth``: wide
tables scroll inside their own box), log a console error or report a CSP violation. A member
gets the branded 403 on every admin page. The survey and unsubscribe pages, which contacts
mostly open on phones, are walked too.
"""

from __future__ import annotations

import shutil
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from api.keys import create_key
from api.scopes import SCOPES
from host.contracts import ExternalContact, TriggerContact
from host.integrations import get_connection
from host.models import InboundEvent, PushbackItem, SyncRun
from host.sync import apply_contacts
from host.trigger import enroll
from plugins.sequences.models import Sending
from plugins.sequences.responses import record_response
from tenants.models import Membership
from tests.browser import ARTIFACTS, chromium_page, log_in
from tests.conftest import PASSWORD, host_of, owner_of
from tests.salesforce.conftest import CLIENT_ID, SECRET, connect, org_client
from tests.security.test_csp_browser import Watch
from tests.sequences.factories import active_sequence
from tests.sequences.test_enrollment import req

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = ARTIFACTS / "walk"
WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
LONG = "Research & Development Zoë Internationale Holdings Worldwide"
SF_IDS = [f"0035w000030{i:04d}AAQ" for i in range(12)]  # 18-character Contact ids

# What widens the page: the elements past the viewport's right edge that no ancestor clips
# (absolutely positioned ones escape a clipping ancestor that is not positioned).
OVERFLOW = """() => {
  const width = window.innerWidth, over = [];
  const clipped = (el) => {
    let escapes = ["absolute", "fixed"].includes(getComputedStyle(el).position);
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== "visible" && (!escapes || style.position !== "static")) return true;
      if (style.position !== "static") escapes = false;
    }
    return false;
  };
  if (document.documentElement.scrollWidth > width) {
    for (const el of document.querySelectorAll("body *")) {
      const right = el.getBoundingClientRect().right;
      if (right > width + 0.5 && !clipped(el)) {
        over.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                  (typeof el.className === "string" && el.className.trim() ?
                   "." + el.className.trim().split(/\\s+/).join(".") : "") +
                  " right=" + Math.round(right));
      }
    }
  }
  const scrolling = [...document.querySelectorAll(".table-scroll")].filter(
    (box) => box.scrollWidth > box.clientWidth).length;
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
          over: over.slice(-8), csp: window.__csp || [], scrolling: scrolling};
}"""


@pytest.fixture
def walk_org(http_server, committed_org, emulator, settings, celery_eager):
    """An org with every staff list filled, Salesforce connected to the session's emulator."""
    emulator.state.reset()
    settings.SALESFORCE_LOGIN_URL = emulator.base_url
    settings.SALESFORCE_CLIENT_ID, settings.SALESFORCE_CLIENT_SECRET = CLIENT_ID, SECRET
    settings.ORG_URL_SCHEME, settings.ORG_URL_PORT = "http", str(http_server.port)
    org = committed_org("walk")
    member = get_user_model().objects.create_user(
        username=f"member@{org.slug}.example", email=f"member@{org.slug}.example",
        password=PASSWORD)
    Membership.objects.create(user=member, organization=org, role=Membership.Role.MEMBER)
    connect(org_client(org), org)
    create_key(org, name="Nightly export from the data warehouse", scopes=list(SCOPES),
               expires_in_days=90)
    with org:
        apply_contacts("salesforce", [ExternalContact(
            external_id=sf_id, email=f"very.long.address.number.{i}@research-and-development."
                                     "example.com",
            first_name="Zoë-Marguerite", last_name=f"Vanderbilt-Okonkwo {i}", company=LONG,
            owner="Alexandrine Featherstonehaugh") for i, sf_id in enumerate(SF_IDS)])
        apply_contacts("fake_crm", [ExternalContact(external_id=f"r{i}", email=f"r{i}@example.com",
                                                    first_name=f"R{i}", company="R&D Zoë & Co")
                                    for i in range(3)])
        sequence = active_sequence(name="Post-purchase NPS for every Closed Won opportunity")
        enroll(req(sequence, TriggerContact(email="fr@example.com", first_name="Zoë",
                                            preferred_language="fr"),
                   TriggerContact(email="en@example.com", first_name="Ann")))
        answered = Sending.objects.select_related("contact", "sequence").get(
            contact__email="en@example.com")
        record_response(answered, 9, "Quick delivery, and the installer was friendly. " * 5)
        open_sending = Sending.objects.get(contact__email="fr@example.com")
        now = timezone.now()
        for status, error in (("succeeded", ""), ("failed", "REQUEST_LIMIT_EXCEEDED: "
                                                  "TotalRequests Limit exceeded. " * 4)):
            SyncRun.objects.create(connection=get_connection("salesforce"), status=status, total=123456,
                                   processed=123456, created=120000, updated=3000, deleted=456,
                                   skipped=0, api_calls=62, error=error, finished_at=now)
        for n, (status, reason) in enumerate((
                ("processed", ""), ("ignored", "trigger mode is manual, so Closed Won events "
                                               "do not enroll contacts"),
                ("failed", "Salesforce answered 503 Service Unavailable " * 3))):
            InboundEvent.objects.create(
                provider="salesforce", dedupe_key=f"walk-{n}", kind="closed_won", status=status,
                reason=reason, result={"sendings_created": 1}, processed_at=now,
                payload={"name": f"{LONG} — renewal {n}", "opportunity_id": f"0065w000020{n:04d}AAO"})
        for n, status in enumerate(("written", "failed")):
            PushbackItem.objects.create(
                provider="salesforce", response_id=f"00000000-0000-0000-0000-00000000000{n}",
                contact_id=answered.contact_id,
                external_id=SF_IDS[n], kind="nps", score=9, answered_at=now - timedelta(hours=n),
                status=status, fields={"NPS_Score__c": 9, "Last_Survey_Date__c": "2026-11-30"},
                error_code="INVALID_FIELD_FOR_INSERT_UPDATE" if status == "failed" else "",
                error="Unable to create/update fields: NPS_Score__c. Please check the security "
                      "settings of this field and verify that it is read/write for your "
                      "profile or permission set." if status == "failed" else "")
    return {"org": org, "base": http_server.url(host_of(org), ""), "owner": owner_of(org).email,
            "member": member.email, "sequence": sequence.pk, "sending": answered.pk,
            "contact": answered.contact_id,
            "survey": open_sending.token, "name": org.name}


def owner_pages(w) -> dict[str, str]:
    return {"home": "/", "sequences": "/sequences", "sequence": f"/sequences/{w['sequence']}",
            "sendings": "/sendings", "sending": f"/sendings/{w['sending']}",
            "contacts": "/contacts", "contacts-search": "/contacts?q=R%26D",
            "contact": f"/contacts/{w['contact']}", "responses": "/responses",
            "responses-filtered": "/responses?period=365&band=promoter",
            "settings-sending": "/settings/sending", "settings-api": "/settings/api",
            "api-docs": "/api/v1/docs/", "integrations": "/settings/integrations",
            "salesforce": "/settings/integrations/salesforce",
            "salesforce-queue": "/settings/integrations/salesforce/queue",
            "fake-crm": "/settings/integrations/fake_crm",
            "fake-crm-queue": "/settings/integrations/fake_crm/queue"}


def member_pages(w) -> dict[str, str]:
    return {name: path for name, path in owner_pages(w).items()
            if name in ("home", "sequences", "sequence", "sendings", "sending", "contacts",
                        "contact", "responses", "integrations", "api-docs")}


ADMIN_ONLY = ["settings-api", "settings-sending", "salesforce", "salesforce-queue", "fake-crm",
              "fake-crm-queue"]
# Pages that keep loading after their load event (Swagger UI fetches the schema).
SETTLE = {"api-docs"}


class Walk:
    """One browser page across roles and widths: every visit checked and screenshotted."""

    def __init__(self, page, base: str):
        self.page, self.base, self.watch = page, base, Watch(page)
        self.width, self.visited, self.overflows, self.scrolling = "", [], [], {}
        shutil.rmtree(SHOTS, ignore_errors=True)
        SHOTS.mkdir(parents=True)

    def resize(self, width: str) -> None:
        self.width = width
        self.page.set_viewport_size(WIDTHS[width])

    def visit(self, who: str, name: str, path: str, status: int = 200) -> None:
        before = len(self.watch.console)
        response = self.page.goto(self.base + path)
        assert response.status == status, (who, path, response.status)
        if name in SETTLE:
            self.page.wait_for_load_state("networkidle")
        if status != 200:
            self.watch.expect_status(before, status)
        self.check(who, name)

    def check(self, who: str, name: str) -> None:
        """The page as it is now: its width, its CSP reports, then a full-page screenshot."""
        size = self.page.evaluate(OVERFLOW)
        where = f"{who} {self.width} {name}"
        assert size["innerWidth"] == WIDTHS[self.width]["width"]
        if size["scrollWidth"] > size["innerWidth"]:
            self.overflows.append(f"{where}: {size}")
        self.watch.violations += [f"{where}: {v}" for v in size["csp"]]
        self.scrolling[where] = size["scrolling"]
        self.page.screenshot(path=str(SHOTS / f"{self.width}-{who}-{name}.png"), full_page=True)
        self.visited.append(where)


def test_every_staff_page_fits_a_phone_and_a_desktop(walk_org):
    w = walk_org
    owner, member = owner_pages(w), member_pages(w)
    started = time.monotonic()
    with chromium_page() as page:
        walk = Walk(page, w["base"])
        for width in WIDTHS:
            walk.resize(width)
            walk.visit("visitor", "login", "/accounts/login/")
            walk.visit("contact", "survey", f"/s/{w['survey']}")
            walk.visit("contact", "unsubscribe", f"/s/{w['survey']}/unsubscribe")
        # Signing in and the navigation work on a phone.
        walk.resize("phone")
        log_in(page, w["base"], w["owner"])
        nav = page.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name="Settings > Integrations").click()
        expect(page).to_have_url(w["base"] + "/settings/integrations")
        for width in WIDTHS:
            walk.resize(width)
            for name, path in owner.items():
                walk.visit("owner", name, path)
                if name == "salesforce":  # and the tables its Test Fields and setup check show
                    page.get_by_role("button", name="Test Fields").click()
                    expect(page.locator("#sf-field-checks")).to_be_visible()
                    walk.check("owner", "salesforce-test-fields")
                    page.get_by_role("button", name="Run setup check").click()
                    expect(page.locator("#sf-setup-check-lines")).to_be_visible()
                    walk.check("owner", "salesforce-setup-check")
            walk.visit("owner", "not-found", "/no-such-page", status=404)
        page.get_by_role("button", name=f"Log out {w['owner']}").click()

        walk.resize("phone")
        log_in(page, w["base"], w["member"])
        nav.get_by_role("link", name="Contacts").click()
        expect(page).to_have_url(w["base"] + "/contacts")
        for width in WIDTHS:
            walk.resize(width)
            for name, path in member.items():
                walk.visit("member", name, path)
            for name in ADMIN_ONLY:
                walk.visit("member", f"403-{name}", owner[name], status=403)
                expect(page.get_by_role("heading", name="You do not have access to this page")
                       ).to_be_visible()
                expect(page.get_by_text(f"Only owners and admins of {w['name']} can")
                       ).to_be_visible()
    elapsed = time.monotonic() - started
    print(f"\nwalked {len(walk.visited)} pages in {elapsed:.1f} s")  # shown with -s

    assert walk.overflows == [], "\n".join(walk.overflows)
    # The wide tables are there, scrolling inside their box on a phone (nine columns of sync
    # history, the queue), and fit a desktop.
    for where in ("owner phone salesforce", "owner phone salesforce-queue",
                  "owner phone settings-api", "member phone sendings"):
        assert walk.scrolling[where] >= 1, where
    assert walk.scrolling["owner desktop salesforce-queue"] == 0
    assert walk.watch.violations == [], "\n".join(walk.watch.violations)
    assert walk.watch.console == [], "\n".join(walk.watch.console)
    assert len(walk.visited) == len(WIDTHS) * (3 + len(owner) + 3 + len(member) + len(ADMIN_ONLY))
