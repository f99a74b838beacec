"""The results dashboard in Chromium, as owner and as member, at 1280 and 375 px: the numbers of
responses created through the REST API (NPS computed by hand), no console error, no CSP
violation, nothing wider than the viewport."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from api import keys
from plugins.sequences.delivery import run_due_step
from plugins.sequences.models import Sending
from tenants.models import Membership
from tests.browser import chromium_page, log_in, screenshot
from tests.conftest import PASSWORD, host_of, owner_of
from tests.security.test_csp_browser import Watch
from tests.sequences.factories import active_sequence

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SCORES = [10, 9, 9, 9, 8, 6, 5, 0]  # 4 promoters, 1 passive, 3 detractors of 8: NPS = +13 (12.5)
WIDTHS = (1280, 375)


# The page's own content (the site's header and navigation are the layout's: see the small-screen
# walk of every page). Elements inside a scrolling container (a wide table) do not count.
WIDEST = """[...document.querySelectorAll('main *')].filter(e => !e.closest('.table-scroll, details')
 && e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName +
 '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def overflow(page) -> list[str]:
    """The elements of the main content that reach past the viewport's right edge."""
    return page.evaluate(WIDEST)


def test_dashboard_in_chromium_shows_the_api_responses_numbers(http_server, committed_org):
    org = committed_org("results")
    member = get_user_model().objects.create_user(
        username=f"member@{org.slug}.example", email=f"member@{org.slug}.example",
        password=PASSWORD)
    Membership.objects.create(user=member, organization=org, role=Membership.Role.MEMBER)
    host = host_of(org)
    with org:
        sequence = active_sequence(name="Post-purchase NPS", steps=(("survey", 0),))
    key = keys.create_key(org, "results", ["sequences:execute"]).plaintext
    reply = http_server.request(
        "POST", host, f"/api/v1/sequences/{sequence.pk}/execute",
        headers={"X-API-Key": key},
        json={"contacts": [{"email": f"p{i}@example.com", "firstName": f"P{i}"}
                           for i in range(len(SCORES))]})
    assert reply.status_code == 200, reply.text
    visitor = Client(HTTP_HOST=host)
    with org:
        for result, score in zip(reply.json()["data"]["results"], SCORES, strict=True):
            run_due_step(result["sendingId"])
            token = Sending.objects.get(pk=result["sendingId"]).token
            assert visitor.post(f"/s/{token}", {"score": str(score),
                                                "comment": f"said {score}"}).status_code == 302

    base = http_server.url(host, "")
    with chromium_page() as page:
        watch = Watch(page)
        for email, role in ((owner_of(org).email, "owner"), (member.email, "member")):
            log_in(page, base, email)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                watch.visit(base + "/")
                results = page.get_by_role("region", name="Results")
                expect(results.locator(".kpi").first).to_contain_text("+13")
                expect(results.locator(".kpi").first).to_contain_text(
                    "8 NPS answers: 50% promoters (4) − 38% detractors (3)")
                expect(results.get_by_role("img", name="NPS answers by score")).to_be_visible()
                expect(results.get_by_text("said 0")).to_be_visible()
                assert overflow(page) == [], (role, width, "/")
                screenshot(page, f"results-{role}-{width}")
                watch.visit(base + "/responses?band=detractor")
                expect(page.get_by_text("3 responses.")).to_be_visible()
                export = page.get_by_role("link", name="Export CSV")
                expect(export).to_have_count(1 if role == "owner" else 0)
                assert overflow(page) == [], (role, width, "/responses")
            page.get_by_role("button", name=f"Log out {email}").click()
    assert watch.violations == []
    assert watch.console == []
