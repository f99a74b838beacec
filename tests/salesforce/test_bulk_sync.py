"""Bulk API 2.0 for a large first sync: one job, the same values a REST sync gives, resume from
the stored result set after a crash, fallback to REST with the reason on the run."""

from __future__ import annotations

import pytest

from host.integrations import get_connection
from host.models import Contact, ExternalLink, SyncRun
from plugins.salesforce import bulk_sync
from tests.salesforce.conftest import calls, connect, org_client, page_text

KEY = "salesforce"
TRICKY = [
    {"LastName": 'Quote "this", please', "FirstName": "Zoë", "Email": "quote@example.com"},
    {"LastName": "Two\nLines", "Title": "Head of\r\nEverything, really", "Email": "two@example.com"},
    {"LastName": "Commas, Inc.", "FirstName": None, "Email": None, "Phone": "+1, 555"},
    {"LastName": "Back\\slash 'single'", "Email": "BACK@Example.com", "Title": ""},
]


@pytest.fixture
def big_org(sf, org_a, settings, celery_eager):
    """5,000 contacts (some with values CSV must quote), one deleted, threshold 3,000."""
    settings.SALESFORCE_BULK_THRESHOLD = 3000
    sf.state.reset(seed="demo", contacts=4996, accounts=4, opportunities=0)
    for row in TRICKY:
        sf.state.create("Contact", row)
    sf.state.delete("Contact", sorted(c["Id"] for c in sf.state.records("Contact"))[7])
    client = org_client(org_a)
    assert "Connected" in page_text(connect(client, org_a))
    return client


def sync_now(client, capture):
    with capture(execute=True):
        client.post(f"/settings/integrations/{KEY}/sync", follow=True)
    return SyncRun.objects.order_by("-pk").first()


def imported() -> dict:
    return {link.external_id: (link.contact.email, link.contact.first_name,
                               link.contact.last_name, link.contact.phone, link.contact.title,
                               link.contact.company, link.external_modified_at, link.data)
            for link in ExternalLink.objects.select_related("contact").filter(provider=KEY)}


def forget_sync(settings):
    ExternalLink.objects.all().delete()
    Contact.objects.all().delete()
    conn = get_connection(KEY)
    conn.sync_checkpoint = {}
    conn.save(update_fields=["sync_checkpoint"])


def test_a_large_first_sync_is_one_bulk_job_with_the_values_of_a_rest_sync(
        sf, big_org, org_a, settings, django_capture_on_commit_callbacks):
    with org_a:
        run = sync_now(big_org, django_capture_on_commit_callbacks)
        assert run.status == "succeeded", run.error
        assert (run.processed, run.total) == (5000, 5000) and run.created == 4999
        assert calls(sf, "bulk_query_create") == 1 and calls(sf, "queryAll") == 1  # the COUNT
        assert run.api_calls <= 6  # count, create, polls, one result set, delete
        assert not sf.state.bulk_jobs  # deleted once read
        by_bulk = imported()

        forget_sync(settings)
        settings.SALESFORCE_BULK_THRESHOLD = 1_000_000
        rest_run = sync_now(big_org, django_capture_on_commit_callbacks)
        assert rest_run.status == "succeeded"
        assert calls(sf, "queryAll") == 1 + 1 + 3  # then a COUNT and pages of 2,000
        assert calls(sf, "bulk_query_create") == 1
        by_rest = imported()
    assert by_bulk == by_rest and len(by_bulk) == 4999
    quoted = next(v for v in by_bulk.values() if v[0] == "quote@example.com")
    assert quoted[1:3] == ("Zoë", 'Quote "this", please')
    lines = next(v for v in by_bulk.values() if v[0] == "two@example.com")
    assert lines[2] == "Two\nLines" and lines[4] == "Head of\r\nEverything, really"


def test_a_crashed_bulk_sync_resumes_at_the_stored_result_set(
        sf, big_org, org_a, settings, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(bulk_sync, "RESULT_SET_RECORDS", 1500)
    # count, create, 2 polls, result set 1: then set 2 fails
    sf.state.add_fault("SERVER_UNAVAILABLE", count=1, after=5)
    with org_a:
        failed = sync_now(big_org, django_capture_on_commit_callbacks)
        assert failed.status == "failed" and failed.processed == 1500
        checkpoint = get_connection(KEY).sync_checkpoint
        assert checkpoint["mode"] == "bulk" and checkpoint["locator"] not in (None, "null")
        resumed = sync_now(big_org, django_capture_on_commit_callbacks)
        assert resumed.status == "succeeded", resumed.error
        assert resumed.processed == 3500
        assert ExternalLink.objects.count() == 4999
    assert calls(sf, "bulk_query_create") == 1
    assert calls(sf, "bulk_query_results") == 5  # sets 1, 2 (failed), 2, 3, 4


def test_a_failed_bulk_job_falls_back_to_rest_and_says_why(
        sf, big_org, org_a, django_capture_on_commit_callbacks):
    sf.state.bulk.fail_with = "InvalidBatch : Failed to process query: too busy"
    with org_a:
        run = sync_now(big_org, django_capture_on_commit_callbacks)
        assert run.status == "succeeded"
        assert "Bulk API 2.0 was not used" in run.error and "too busy" in run.error
        assert ExternalLink.objects.count() == 4999
    assert calls(sf, "queryAll") == 1 + 3  # the COUNT, then pages of 2,000
    page = page_text(big_org.get(f"/settings/integrations/{KEY}"))
    assert "Synced by REST pages instead" in page


def test_incremental_syncs_stay_on_rest(sf, big_org, org_a, django_capture_on_commit_callbacks):
    with org_a:
        sf.state.clock.advance(3600)  # the first run after the seed
        sync_now(big_org, django_capture_on_commit_callbacks)
        sf.state.clock.advance(3600)
        sf.state.bulk_create("Contact", [{"LastName": f"New {i}"} for i in range(3500)])
        sf.state.clock.advance(3600)
        run = sync_now(big_org, django_capture_on_commit_callbacks)
        assert run.status == "succeeded" and run.processed == 3500
    assert calls(sf, "bulk_query_create") == 1
