"""Issue 16's "Done when" in Chromium: a removed field goes red in Test Fields, Create missing
fields brings it back green and a survey score writes it; the setup check is green for the demo
and shows the right red line after each thing an admin can get wrong."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from host.contracts import ScoreUpdate
from host.integrations import get_connection
from host.links import org_base_url
from host.pushback import push_queued
from host.pushback import queue as queue_for
from host.webhooks import secrets
from plugins.salesforce.field_setup import PERMISSION_SET
from tests.browser import chromium_page, log_in, screenshot
from tests.conftest import host_of, owner_of
from tests.salesforce.conftest import connect, org_client, page_text
from tests.sequences.factories import active_sequence

playwright_api = pytest.importorskip("playwright.sync_api")
expect = None if playwright_api is None else playwright_api.expect


def run_check(page) -> list[str]:
    """Run the setup check; the keys of its red lines."""
    page.get_by_role("button", name="Run setup check").click()
    expect(page.locator("#sf-setup-check-lines")).to_be_visible()
    return sorted(set(page.locator("#sf-setup-check-lines tr.problem").evaluate_all(
        "rows => rows.map(r => r.dataset.check)")))


def test_create_missing_fields_and_the_setup_check_in_a_browser(http_server, committed_org, sf):
    org = committed_org("setupui")
    sf.state.reset(seed="demo", contacts=20, accounts=2, opportunities=0)
    assert "Connected" in page_text(connect(org_client(org), org))
    with org:
        conn = get_connection("salesforce")
        sequence = active_sequence()
        conn.update_settings(lambda v: v.update(trigger_mode="auto",
                                                auto_sequence_id=str(sequence.pk)))
        secret = secrets.rotate(conn)
        webhook = org_base_url(org) + "/api/v1/integrations/salesforce/webhook"
    sf.state.outbound.configure(endpoint_url=f"{webhook}?token={secret}")
    setup = sf.state.setup
    host, email = host_of(org), owner_of(org).email
    with chromium_page() as page:
        log_in(page, http_server.url(host, ""), email)
        page.goto(http_server.url(host, "/settings/integrations/salesforce"))
        assert run_check(page) == []
        screenshot(page, "salesforce-setup-check-green")

        setup.remove_field("CSAT_Score__c")
        page.get_by_role("button", name="Test Fields").click()
        expect(page.locator("#sf-field-checks tr.problem")).to_have_count(1)
        expect(page.locator("#sf-field-checks")).to_contain_text(
            "CSAT_Score__c does not exist on Contact")
        page.get_by_role("button", name="Create missing fields").click()
        expect(page.locator("#sf-field-setup-steps")).to_contain_text(
            "Created CSAT Score (CSAT_Score__c), Number(1,0), on Contact.")
        expect(page.locator("#sf-field-checks tr.problem")).to_have_count(0)
        expect(page.locator("#sf-field-checks tr.ok")).to_have_count(3)
        screenshot(page, "salesforce-create-missing-fields")
        assert run_check(page) == []

        setup.unassign(PERMISSION_SET)
        assert run_check(page) == ["fields", "permission_set"]
        page.get_by_role("button", name="Test Fields").click()
        page.get_by_role("button", name="Create missing fields").click()
        expect(page.locator("#sf-field-checks tr.problem")).to_have_count(0)
        assert run_check(page) == []

        setup.set_endpoint("Survey_Closed_Won", "https://elsewhere.example.com/hook?token=x")
        assert run_check(page) == ["flow", "outbound_message"]
        expect(page.locator('tr[data-check="outbound_message"]')).to_contain_text(
            "No Outbound Message sends to this organization")
        setup.set_endpoint("Survey_Closed_Won", None)  # back to the demo's delivery URL

        setup.set_flow_active("Survey_on_Closed_Won", False)
        assert run_check(page) == ["flow"]
        expect(page.locator('tr[data-check="flow"]')).to_contain_text("Activate")
        setup.set_flow_active("Survey_on_Closed_Won", True)

        page.get_by_label("manual: Trigger only from the manual queue").check()
        page.get_by_role("button", name="Save trigger mode").click()
        assert run_check(page) == ["trigger"]
        expect(page.locator('tr[data-check="trigger"]')).to_contain_text(
            "Closed Won webhook events are ignored")
        screenshot(page, "salesforce-setup-check-trigger-manual")

    contact = sf.state.records("Contact", include_deleted=False)[0]["Id"]
    with org:
        queue_for("salesforce", [ScoreUpdate(
            response_id=uuid.uuid4(), contact_id=uuid.uuid4(), external_id=contact, kind="csat",
            score=4, answered_at=timezone.now())])
        assert push_queued(get_connection("salesforce")) == {"written": 1}
    assert sf.state.get("Contact", contact)["CSAT_Score__c"] == 4
