"""Contact sync from the emulator: full, incremental, deletes and merges, resume, API budget."""

from __future__ import annotations

import pytest

from host.integrations import get_connection
from host.models import Contact, ExternalLink, SyncRun
from plugins.salesforce import conf
from plugins.salesforce.sync import LAG
from tests.salesforce.conftest import calls, connect, org_client, page_text

KEY = "salesforce"
LAG_SECONDS = LAG.total_seconds() + 1


@pytest.fixture
def synced_org(sf, org_a, settings, celery_eager):
    """Org A connected to an emulator holding 25 contacts (pages of 10)."""
    settings.SALESFORCE_SYNC_PAGE_SIZE = 10
    sf.state.reset(seed="demo", contacts=25, accounts=3, opportunities=0)
    client = org_client(org_a)
    assert "Connected" in page_text(connect(client, org_a))
    return client


def sync_now(client, capture):
    with capture(execute=True):
        return page_text(client.post(f"/settings/integrations/{KEY}/sync", follow=True))


def last_run():
    return SyncRun.objects.order_by("-pk").first()


def sf_contacts(sf, include_deleted=False):
    return sf.state.records("Contact", include_deleted=include_deleted)


def test_full_sync_pages_through_every_contact(sf, synced_org, org_a,
                                               django_capture_on_commit_callbacks):
    before = calls(sf, "query") + calls(sf, "queryAll")
    assert "Sync started" in sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        run = last_run()
        assert (run.status, run.total, run.processed, run.created) == ("succeeded", 25, 25, 25)
        assert run.api_calls == 1 + 3  # a COUNT, then pages of 10, 10, 5
        assert ExternalLink.objects.filter(provider=KEY).count() == 25
        remote = {c["Id"]: c for c in sf_contacts(sf)}
        link = ExternalLink.objects.select_related("contact").get(external_id=next(iter(remote)))
        record = remote[link.external_id]
        assert link.contact.email == (record["Email"] or "").lower()
        assert link.contact.last_name == record["LastName"]
        assert get_connection(KEY).sync_checkpoint["complete"] is True
    used = calls(sf, "query") + calls(sf, "queryAll") - before
    assert used == run.api_calls


def test_names_that_break_naive_soql_sync_cleanly(sf, synced_org, org_a,
                                                  django_capture_on_commit_callbacks):
    sf.state.create("Contact", {"LastName": "O'Brien \\' OR Id != ''", "Email": "q@example.com"})
    sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        assert Contact.objects.get(email="q@example.com").last_name == "O'Brien \\' OR Id != ''"


def test_incremental_sync_touches_exactly_changed_deleted_and_merged(
        sf, synced_org, org_a, django_capture_on_commit_callbacks):
    sync_now(synced_org, django_capture_on_commit_callbacks)
    sf.state.clock.advance(3600)
    ids = sorted(c["Id"] for c in sf_contacts(sf))
    sf.state.update("Contact", ids[0], {"Title": "Chief Listener"})
    sf.state.update("Contact", ids[1], {"LastName": "Renamed"})
    sf.state.delete("Contact", ids[2])
    sf.state.merge("Contact", ids[3], [ids[4]])
    new = sf.state.create("Contact", {"LastName": "Newcomer", "Email": "new@example.com"})
    sf.state.clock.advance(LAG_SECONDS)  # the next scheduled run, past the late-commit lag
    sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        run = last_run()
        assert run.status == "succeeded", run.error
        assert (run.created, run.deleted) == (1, 2)
        assert run.updated == 3  # the two edits, and the merge survivor Salesforce re-stamped
        assert ExternalLink.objects.get(external_id=ids[0]).contact.title == "Chief Listener"
        assert not ExternalLink.objects.filter(external_id=ids[2]).exists()
        assert not ExternalLink.objects.filter(external_id=ids[4]).exists()
        assert ExternalLink.objects.filter(external_id=new["Id"]).exists()
        assert Contact.objects.count() == 26  # unlinked contacts are kept, not deleted


def test_a_failed_sync_resumes_from_its_checkpoint(sf, synced_org, org_a,
                                                   django_capture_on_commit_callbacks):
    sf.state.add_fault("SERVER_UNAVAILABLE", count=1, after=2)  # COUNT, page 1 ok, page 2 fails
    page = sync_now(synced_org, django_capture_on_commit_callbacks)
    assert "Sync started" in page
    with org_a:
        failed = last_run()
        assert failed.status == "failed" and "unavailable" in failed.error.lower()
        assert failed.processed == 10
        assert ExternalLink.objects.count() == 10
    sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        resumed = last_run()
        assert resumed.status == "succeeded"
        assert (resumed.processed, resumed.created) == (15, 15)
        assert ExternalLink.objects.count() == 25 == Contact.objects.count()


def test_sync_stops_gracefully_at_the_api_budget(sf, synced_org, org_a,
                                                 django_capture_on_commit_callbacks):
    sf.state.set_api_usage(used=14_000, max=15_000)
    sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        run = last_run()
        assert run.status == "paused"
        assert "API budget" in run.error and "14,00" in run.error
        assert ExternalLink.objects.count() == 0


def test_request_limit_exceeded_pauses_until_the_next_window(sf, synced_org, org_a,
                                                             django_capture_on_commit_callbacks):
    sf.state.add_fault("REQUEST_LIMIT_EXCEEDED", count=5)
    sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        assert last_run().status == "paused"
        assert "API limit reached" in last_run().error
    page = sync_now(synced_org, django_capture_on_commit_callbacks)
    assert "API limit was reached; sync resumes after" in page
    with org_a:
        assert SyncRun.objects.count() == 1


def test_settings_page_shows_runs_and_the_way_to_the_queue(sf, synced_org, org_a,
                                                           django_capture_on_commit_callbacks):
    sync_now(synced_org, django_capture_on_commit_callbacks)
    page = page_text(synced_org.get(f"/settings/integrations/{KEY}"))
    assert "Sync Now" in page and "Recent syncs" in page
    assert "25 of 25" in page
    assert "Open the manual queue" in page
    queue = page_text(synced_org.get(f"/settings/integrations/{KEY}/queue"))
    assert queue.count('class="row-select"') == sum(1 for c in sf_contacts(sf) if c["Email"])


def test_schedule_fans_out_over_connected_orgs_only(sf, synced_org, org_a, org_b):
    from host.tasks import sync_all as sync_all_task

    assert sync_all_task() == 1
    with org_a:
        assert last_run().trigger == "schedule" and last_run().status == "succeeded"
    with org_b:
        assert not SyncRun.objects.exists()


def test_disconnected_org_cannot_sync(sf, synced_org, org_a, django_capture_on_commit_callbacks):
    synced_org.post(f"/settings/integrations/{KEY}/disconnect")
    page = sync_now(synced_org, django_capture_on_commit_callbacks)
    assert "Salesforce is disconnected: connect it before syncing." in page
    with org_a:
        assert not SyncRun.objects.exists()


def test_sync_progress_endpoint(sf, synced_org, org_a, django_capture_on_commit_callbacks):
    sync_now(synced_org, django_capture_on_commit_callbacks)
    progress = synced_org.get(f"/settings/integrations/{KEY}/sync/progress").json()
    assert progress == {"status": "succeeded", "processed": 25, "total": 25, "percent": 100,
                        "error": ""}


def test_a_contact_deleted_in_salesforce_leaves_the_queue_and_its_sendings_stop(
        sf, synced_org, org_a, django_capture_on_commit_callbacks):
    from plugins.sequences.models import Sending
    from tests.sequences.factories import active_sequence

    sync_now(synced_org, django_capture_on_commit_callbacks)
    victim = next(c for c in sf_contacts(sf) if c["Email"])
    with org_a:
        sequence = active_sequence(steps=(("survey", 24),))
        contact = ExternalLink.objects.get(external_id=victim["Id"]).contact
    synced_org.post(f"/settings/integrations/{KEY}/queue",
                    {"sequence": str(sequence.pk), "contact": [str(contact.pk)]})
    with org_a:
        assert Sending.objects.get(contact=contact).status == "scheduled"
    sf.state.clock.advance(3600)
    sf.state.delete("Contact", victim["Id"])
    sf.state.clock.advance(LAG_SECONDS)
    sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        sending = Sending.objects.get(contact=contact)
        assert (sending.status, sending.failure_reason) == ("cancelled", "deleted in salesforce")
        assert sending.events.last().kind == "stopped"
        assert not ExternalLink.objects.filter(external_id=victim["Id"]).exists()


def test_incremental_syncs_after_a_bulk_import_read_each_change_once(
        sf, org_a, settings, celery_eager, django_capture_on_commit_callbacks):
    """Issue 16: 5,000 contacts imported in one second, then three scheduled syncs with ten
    changes each: every run makes a COUNT and one page, and reads the ten changes only."""
    sf.state.reset(seed="empty")
    sf.state.clock.freeze()
    client = org_client(org_a)
    assert "Connected" in page_text(connect(client, org_a))
    sf.state.bulk_create("Contact", [{"LastName": f"Imported {i}", "Email": f"i{i}@example.com"}
                                     for i in range(5000)])
    interval = conf.settings.SALESFORCE_SYNC_INTERVAL_MINUTES * 60
    sf.state.clock.advance(interval)  # the first run after the import
    sync_now(client, django_capture_on_commit_callbacks)
    with org_a:
        assert (last_run().status, last_run().processed) == ("succeeded", 5000)
    ids = sorted(c["Id"] for c in sf_contacts(sf))
    for round_ in range(3):
        sf.state.clock.advance(interval / 2)
        for rid in ids[round_ * 10:(round_ + 1) * 10]:
            sf.state.update("Contact", rid, {"Title": f"Round {round_}"})
        sf.state.clock.advance(interval / 2)
        before = calls(sf, "query") + calls(sf, "queryAll")
        sync_now(client, django_capture_on_commit_callbacks)
        with org_a:
            run = last_run()
            assert (run.status, run.full) == ("succeeded", False), run.error
            assert (run.processed, run.updated, run.total) == (10, 10, 10)
            assert run.api_calls == 2
        assert calls(sf, "query") + calls(sf, "queryAll") - before == 2
    with org_a:
        titles = set(ExternalLink.objects.filter(external_id__in=ids[:30])
                     .values_list("contact__title", flat=True))
        assert titles == {"Round 0", "Round 1", "Round 2"}


def test_a_late_committed_stamp_inside_the_lag_is_still_read(
        sf, synced_org, org_a, django_capture_on_commit_callbacks):
    """A change stamped just before a run's start but visible only after it (a long
    transaction) is read by the next run: runs end LAG before Salesforce's clock."""
    sf.state.clock.freeze()
    sync_now(synced_org, django_capture_on_commit_callbacks)
    sf.state.clock.advance(3600)
    late = sorted(c["Id"] for c in sf_contacts(sf))[0]
    stamp = sf.state.clock.now()
    sf.state.clock.advance(30)  # the run starts 30 s later, before the change commits
    sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        assert last_run().processed == 0
    later = sf.state.clock.now()
    sf.state.clock.freeze(stamp)  # stamped when its transaction started...
    sf.state.update("Contact", late, {"Title": "Committed late"})
    sf.state.clock.freeze(later)  # ...visible only now
    sf.state.clock.advance(3600)
    sync_now(synced_org, django_capture_on_commit_callbacks)
    with org_a:
        assert last_run().processed == 1
        assert ExternalLink.objects.get(external_id=late).contact.title == "Committed late"


def test_changes_younger_than_the_lag_wait_for_the_next_run_and_are_read_once(
        sf, synced_org, org_a, django_capture_on_commit_callbacks):
    """Records stamped within LAG before an incremental run may not all be committed yet: that
    run leaves them, the next one reads them, the one after reads none of them."""
    sf.state.clock.freeze()
    sync_now(synced_org, django_capture_on_commit_callbacks)
    sf.state.clock.advance(3600)
    sf.state.bulk_create("Contact", [{"LastName": f"Batch {i}"} for i in range(50)])
    processed = []
    for _ in range(3):
        sync_now(synced_org, django_capture_on_commit_callbacks)
        with org_a:
            processed.append(last_run().processed)
        sf.state.clock.advance(LAG_SECONDS)
    assert processed == [0, 50, 0]
