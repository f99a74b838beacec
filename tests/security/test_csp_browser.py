"""The org pages under the strict Content-Security-Policy, in Chromium, as owner and as member.

Walks the main pages (and a form with errors, the member's 403, the manual queue's "Select this
page" box, the webhook URL's Copy button, all driven by static scripts) and asserts that the
browser reports no CSP violation (``securitypolicyviolation`` events and "Refused to ..."
console errors) and no console error at all.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from host.contracts import ExternalContact
from host.sync import apply_contacts
from tenants.models import Membership
from tests.browser import chromium_page, log_in, screenshot
from tests.conftest import PASSWORD, host_of, owner_of
from tests.sequences.factories import active_sequence

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

# Registered before any page script runs; CSP does not apply to the browser's own init scripts.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " +
                    e.sourceFile + ":" + e.lineNumber);
});
"""

OWNER_PAGES = ["/", "/responses", "/sequences", "/sendings", "/contacts?q=R%26D", "/settings/sending",
               "/settings/api", "/settings/integrations", "/settings/integrations/salesforce",
               "/settings/integrations/fake_crm", "/settings/integrations/fake_crm/queue"]
MEMBER_PAGES = ["/", "/responses", "/sequences", "/sendings", "/contacts", "/settings/integrations"]


class Watch:
    """Console errors and CSP violations of one browser page, across navigations."""

    def __init__(self, page):
        self.page, self.console, self.violations = page, [], []
        page.add_init_script(LISTEN)
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def collect(self, where: str) -> None:
        found = self.page.evaluate("window.__csp || []")
        self.violations += [f"{where}: {v}" for v in found]

    def visit(self, url: str, expected_status: tuple[int, ...] = ()) -> None:
        before = len(self.console)
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        self.collect(url)
        for status in expected_status:
            self.expect_status(before, status)

    def expect_status(self, since: int, status: int) -> None:
        """Chromium logs "Failed to load resource: ... status of 403" for an error page itself:
        expected for the pages that answer so, and only for them."""
        self.console[since:] = [c for c in self.console[since:]
                                if f"status of {status} " not in c]


@pytest.fixture
def walk_org(committed_org):
    org = committed_org("csp")
    member = get_user_model().objects.create_user(
        username=f"member@{org.slug}.example", email=f"member@{org.slug}.example",
        password=PASSWORD)
    Membership.objects.create(user=member, organization=org, role=Membership.Role.MEMBER)
    with org:
        sequence = active_sequence()
        apply_contacts("fake_crm", [ExternalContact(external_id=f"r{i}", email=f"r{i}@example.com",
                                                    first_name=f"R{i}", company="R&D Zoë & Co")
                                    for i in range(3)])
    return org, owner_of(org).email, member.email, sequence.pk


def test_the_org_pages_report_no_csp_violation_or_console_error(http_server, walk_org):
    org, owner, member, sequence_id = walk_org
    base = http_server.url(host_of(org), "")
    with chromium_page() as page:
        watch = Watch(page)
        watch.visit(base + "/accounts/login/")
        log_in(page, base, owner)
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        for path in [*OWNER_PAGES, f"/sequences/{sequence_id}"]:
            watch.visit(base + path)
        # The static scripts work under the policy: select a page of the queue, copy a URL.
        watch.visit(base + "/settings/integrations/fake_crm/queue?q=R%26D")
        page.get_by_label("Select this page").first.check()
        expect(page.locator(".row-select:checked")).to_have_count(3)
        watch.visit(base + "/settings/integrations/salesforce")
        page.get_by_role("button", name="Copy URL").click()
        expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
        # A form with errors: the alert on top, the field marked invalid.
        watch.visit(base + "/settings/sending")
        before = len(watch.console)
        page.get_by_label("Reply-to address").fill("not an email")
        page.get_by_role("button", name="Save Changes").click()
        expect(page.get_by_role("alert")).to_contain_text("Check the field marked below.")
        expect(page.get_by_label("Reply-to address")).to_have_attribute("aria-invalid", "true")
        watch.collect("sending settings with errors")
        watch.expect_status(before, 400)  # the invalid form is answered with 400
        screenshot(page, "csp-owner-form-errors")
        page.get_by_role("button", name=f"Log out {owner}").click()

        log_in(page, base, member)
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Settings > API")).to_have_count(0)
        expect(nav.get_by_role("link", name="Settings > Integrations")).to_be_visible()
        for path in MEMBER_PAGES:
            watch.visit(base + path)
        expect(nav.get_by_role("link", name="Settings > Integrations")).to_have_attribute(
            "aria-current", "page")
        watch.visit(base + "/settings/api", expected_status=(403,))
        expect(page.get_by_text(f"Only owners and admins of {org.name} can manage API keys."
                                )).to_be_visible()
        screenshot(page, "csp-member-403")

    assert watch.violations == []
    assert watch.console == []
