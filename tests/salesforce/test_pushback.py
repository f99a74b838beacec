"""Score pushback against the emulator: batching, retries, deferral, ordering, skips, reconnects."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from host import pushback as outbox
from host.contracts import ScoreUpdate
from host.integrations import get_connection
from host.models import PushbackItem
from host.pushback import MAX_ATTEMPTS, push_queued
from plugins.salesforce import pushback
from tests.salesforce.conftest import KEY, calls, connect, page_text

PAGE = "/settings/integrations/salesforce"


@pytest.fixture
def connected(sf, client_a, org_a):
    """Org A connected to an emulator org with 450 contacts; yields inside org A's schema."""
    connect(client_a, org_a)
    sf.state.seed("demo", contacts=450, accounts=2, opportunities=0)
    sf.state.calls.clear()
    with org_a:
        outbox.unschedule(KEY)
        yield sf


def queue(updates) -> int:
    return outbox.queue(KEY, updates)


def outbox_fan_out() -> int:
    """Beat's ``host.push_all`` for this org: how many writers it sent."""
    from django.db import connection

    from host.tasking import for_each_org
    from host.tasks import push_queued_task

    here = connection.schema_name
    return for_each_org(push_queued_task, KEY, org_filter=lambda org: org.schema_name == here)


def retry_failed() -> int:
    return outbox.retry_failed(KEY)


def contact_ids(sf, n: int) -> list[str]:
    return [r["Id"] for r in sf.state.records("Contact", include_deleted=False)][:n]


def score(external_id, value=9, kind="nps", at=None) -> ScoreUpdate:
    return ScoreUpdate(response_id=uuid.uuid4(), contact_id=uuid.uuid4(), external_id=external_id,
                       kind=kind, score=value, answered_at=at or timezone.now())


def push(now=None) -> dict:
    return push_queued(get_connection(KEY), now=now)


def set_mapping(**fields) -> None:
    conn = get_connection(KEY)
    base = {"nps_field": "NPS_Score__c", "csat_field": "CSAT_Score__c",
            "date_field": "Last_Survey_Date__c"}
    conn.settings = {**conn.settings, "field_mapping": {**base, **fields}}
    conn.save()


def item_for(update: ScoreUpdate) -> PushbackItem:
    return PushbackItem.objects.get(response_id=update.response_id)


def test_scores_are_written_in_batches_of_200_contacts(connected):
    ids = contact_ids(connected, 450)
    today = timezone.localdate()
    assert queue([score(eid, i % 11) for i, eid in enumerate(ids)]
                 + [score(eid, 4, kind="csat") for eid in ids[:10]]) == 460
    assert push() == {"written": 460}
    assert calls(connected, "collections") == 3  # 450 contacts: 200 + 200 + 50
    first = connected.state.get("Contact", ids[0])
    assert (first["NPS_Score__c"], first["CSAT_Score__c"]) == (0, 4)
    assert first["Last_Survey_Date__c"] == today.isoformat()
    assert connected.state.get("Contact", ids[449])["NPS_Score__c"] == 449 % 11
    written = PushbackItem.objects.get(external_id=ids[0], kind="csat")
    assert written.fields == {"CSAT_Score__c": 4, "Last_Survey_Date__c": today.isoformat()}
    assert push() == {} and calls(connected, "collections") == 3


def test_a_redelivered_score_is_stored_once(connected):
    update = score(contact_ids(connected, 1)[0])
    queue([update])
    queue([update])
    assert PushbackItem.objects.count() == 1


def test_503_backs_off_with_jitter_then_writes(connected):
    ids = contact_ids(connected, 250)
    queue([score(eid) for eid in ids])
    connected.state.add_fault("503", count=1)
    now = timezone.now()
    assert push(now) == {"queued": 200, "written": 50}
    waiting = PushbackItem.objects.filter(status="queued")
    delays = {(i.next_attempt_at - now).total_seconds() for i in waiting}
    assert all(15 <= d <= 30 for d in delays) and len(delays) > 1  # jittered
    assert {i.error_code for i in waiting} == {"SERVER_UNAVAILABLE"}
    assert push(now + timedelta(seconds=5)) == {}  # not due yet: no call
    assert push(now + timedelta(seconds=31)) == {"written": 200}
    assert calls(connected, "collections") == 3
    assert connected.state.get("Contact", ids[0])["NPS_Score__c"] == 9


def test_unable_to_lock_row_retries_the_record(connected):
    eid = contact_ids(connected, 1)[0]
    update = score(eid, 7)
    queue([update])
    connected.state.add_fault("UNABLE_TO_LOCK_ROW", count=1)
    now = timezone.now()
    assert push(now) == {"queued": 1}
    item = item_for(update)
    assert item.error_code == "UNABLE_TO_LOCK_ROW" and item.attempts == 1
    assert connected.state.get("Contact", eid)["NPS_Score__c"] != 7
    assert push(now + timedelta(minutes=1)) == {"written": 1}
    assert connected.state.get("Contact", eid)["NPS_Score__c"] == 7


def test_retries_stop_after_max_attempts_and_wait_for_retry_failed(connected):
    update = score(contact_ids(connected, 1)[0])
    queue([update])
    connected.state.add_fault("503", count=MAX_ATTEMPTS + 5)
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        push(now)
        now += timedelta(hours=2)
    item = item_for(update)
    assert (item.status, item.attempts) == ("failed", MAX_ATTEMPTS)
    assert "click Retry failed" in item.error
    assert push(now + timedelta(days=1)) == {}  # not retried forever
    connected.state.clear_faults()
    assert retry_failed() == 1
    assert push() == {"written": 1}


def test_request_limit_exceeded_defers_until_the_next_window(connected):
    ids = contact_ids(connected, 300)
    queue([score(eid) for eid in ids])
    connected.state.set_api_usage(used=15000)
    now = timezone.now()
    assert push(now) == {"queued": 300}
    assert calls(connected, "collections") == 1  # stops at the first refusal
    item = PushbackItem.objects.first()
    assert item.error_code == "REQUEST_LIMIT_EXCEEDED" and item.attempts == 0
    assert item.next_attempt_at == now + pushback.LIMIT_DEFER
    assert "daily API request limit" in item.error
    assert push(now + timedelta(minutes=30)) == {}
    connected.state.set_api_usage(used=0)
    assert push(now + pushback.LIMIT_DEFER) == {"written": 300}
    assert calls(connected, "collections") == 3


def test_an_older_score_arriving_late_never_overwrites_a_newer_one(connected):
    eid = contact_ids(connected, 1)[0]
    now = timezone.now()
    newer, older = score(eid, 9, at=now), score(eid, 2, at=now - timedelta(days=3))
    queue([newer])
    push()
    queue([older])
    assert push() == {"skipped": 1}
    assert calls(connected, "collections") == 1
    assert connected.state.get("Contact", eid)["NPS_Score__c"] == 9
    assert item_for(older).error == "A newer score is already in Salesforce."


def test_in_one_batch_the_newest_score_per_contact_wins(connected):
    eid = contact_ids(connected, 1)[0]
    now = timezone.now()
    old_nps = score(eid, 3, at=now - timedelta(days=2))
    new_csat = score(eid, 5, kind="csat", at=now - timedelta(days=1))
    new_nps = score(eid, 10, at=now)
    queue([new_nps, old_nps, new_csat])
    assert push() == {"written": 2, "skipped": 1}
    record = connected.state.get("Contact", eid)
    assert (record["NPS_Score__c"], record["CSAT_Score__c"]) == (10, 5)
    assert record["Last_Survey_Date__c"] == timezone.localdate(now).isoformat()
    assert item_for(old_nps).error == "Superseded by a newer score."


def test_a_newer_csat_keeps_the_survey_date_when_an_older_nps_arrives(connected):
    eid = contact_ids(connected, 1)[0]
    now = timezone.now()
    queue([score(eid, 4, kind="csat", at=now)])
    push()
    late = score(eid, 8, at=now - timedelta(days=5))
    queue([late])
    assert push() == {"written": 1}
    record = connected.state.get("Contact", eid)
    assert record["NPS_Score__c"] == 8
    assert record["Last_Survey_Date__c"] == timezone.localdate(now).isoformat()
    assert item_for(late).fields == {"NPS_Score__c": 8}


def test_a_deleted_contact_is_skipped_with_its_reason(connected):
    gone, kept = contact_ids(connected, 2)
    connected.state.delete("Contact", gone)
    lost, ok = score(gone), score(kept)
    queue([lost, ok])
    assert push() == {"skipped": 1, "written": 1}
    item = item_for(lost)
    assert item.error_code == "ENTITY_IS_DELETED"
    assert "The contact was deleted in Salesforce" in item.error


def test_a_field_deleted_after_mapping_fails_with_a_remedy_and_retry_failed_recovers(
        connected):
    eid = contact_ids(connected, 1)[0]
    set_mapping(nps_field="Old_NPS__c")  # saved when it existed; deleted in Salesforce since
    update = score(eid, 9)
    queue([update])
    assert push() == {"failed": 1}
    item = item_for(update)
    assert item.error_code == "INVALID_FIELD"
    assert "create a Number(3,0) field named Old_NPS__c" in item.error
    assert "Retry failed" in item.error
    assert push(timezone.now() + timedelta(days=1)) == {}  # failed: not retried by itself
    set_mapping()  # the admin maps the field again
    assert retry_failed() == 1
    assert push() == {"written": 1}
    assert connected.state.get("Contact", eid)["NPS_Score__c"] == 9
    assert item_for(update).fields["NPS_Score__c"] == 9


def test_a_read_only_field_fails_with_edit_access_remedy(connected):
    set_mapping(nps_field="Score_Formula__c")
    update = score(contact_ids(connected, 1)[0])
    queue([update])
    push()
    item = item_for(update)
    assert (item.status, item.error_code) == ("failed", "INVALID_FIELD_FOR_INSERT_UPDATE")
    assert "give the integration user edit access" in item.error


def test_blank_fields_are_skipped(connected):
    eid = contact_ids(connected, 1)[0]
    set_mapping(nps_field="", date_field="")
    before = connected.state.get("Contact", eid)
    nps, csat = score(eid, 9), score(eid, 3, kind="csat")
    queue([nps, csat])
    assert push() == {"skipped": 1, "written": 1}
    assert item_for(nps).error_code == "NOT_MAPPED"
    record = connected.state.get("Contact", eid)
    assert (record["NPS_Score__c"], record["CSAT_Score__c"]) == (before["NPS_Score__c"], 3)
    assert record["Last_Survey_Date__c"] == before["Last_Survey_Date__c"]


def test_needs_reconnect_keeps_the_queue_until_reconnected(connected, client_a, org_a):
    from host.tasks import push_queued_task

    updates = [score(eid) for eid in contact_ids(connected, 3)]
    queue(updates)
    get_connection(KEY).mark_needs_attention("Salesforce refused the saved sign-in.")
    assert push() == {"queued": 3}
    assert calls(connected, "collections") == 0
    item = item_for(updates[0])
    assert (item.attempts, item.next_attempt_at, item.error_code) == (0, None, "NEEDS_RECONNECT")
    assert push_queued_task.apply([KEY], headers={"_schema_name": org_a.schema_name}).get() == {
        "kept": "needs_attention"}
    connect(client_a, org_a)  # Reconnect
    assert push() == {"written": 3}


def test_a_disconnected_org_keeps_its_queue(connected, client_a, org_a):
    from host.tasks import push_all as push_all_task

    queue([score(contact_ids(connected, 1)[0])])
    assert client_a.post(PAGE + "/disconnect").status_code == 302
    with org_a:
        assert push_all_task.apply().get() == 0  # no writer for this org
        assert PushbackItem.objects.get().status == "queued"


def test_pushback_log_shows_writes_and_retry_failed(connected, client_a, org_a):
    ids = contact_ids(connected, 2)
    set_mapping(csat_field="Missing_CSAT__c")
    queue([score(ids[0], 9), score(ids[1], 2, kind="csat")])
    push()
    text = page_text(client_a.get(PAGE))
    assert "Pushback log" in text
    assert ids[0] in text and "NPS_Score__c</code> = 9" in text and "Written" in text
    assert "INVALID_FIELD" in text and "Missing_CSAT__c" in text
    assert "Retry failed (1)" in text
    response = client_a.post(PAGE + "/pushback/retry")
    assert response.status_code == 302 and response["Location"].endswith("#sf-pushback")
    with org_a:
        assert PushbackItem.objects.filter(status="queued").count() == 1
    assert "1 failed score queued again." in page_text(client_a.get(PAGE))


def test_the_log_loads_in_constant_queries(connected, client_a, django_assert_max_num_queries):
    queue([score(eid) for eid in contact_ids(connected, 60)])
    push()
    with django_assert_max_num_queries(25):
        assert client_a.get(PAGE).status_code == 200


def test_a_recorded_response_goes_through_the_host_hook(connected, celery_eager,
                                                        django_capture_on_commit_callbacks):
    from host.contracts import ExternalContact, TriggerContact
    from host.sync import apply_contacts
    from host.trigger import enroll
    from plugins.sequences.models import Sending
    from plugins.sequences.responses import record_response
    from tests.sequences.factories import active_sequence
    from tests.sequences.test_enrollment import req

    eid = contact_ids(connected, 1)[0]
    apply_contacts(KEY, [ExternalContact(external_id=eid, email="hook@example.com")])
    with django_capture_on_commit_callbacks(execute=True):
        enroll(req(active_sequence(steps=(("survey", 0),)),
                   TriggerContact(email="hook@example.com"), source="manual"))
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = record_response(Sending.objects.get(), 9)
    item = PushbackItem.objects.get()
    assert (item.response_id, item.external_id, item.status) == (response.pk, eid, "written")
    assert connected.state.get("Contact", eid)["NPS_Score__c"] == 9


def test_scores_arriving_together_schedule_one_writer(connected, django_capture_on_commit_callbacks,
                                                      monkeypatch):
    from host.celery_app import app
    from host.tasking import PENDING_HEADER, PENDING_TTL, WAKE_TTL, _redis

    sent = []  # (task, options, mark) of each writer sent, kept from the broker
    monkeypatch.setattr(app.Task, "apply_async", lambda self, args=None, kwargs=None,
                        headers=None, **options: sent.append(
                            (self.name, options, headers[PENDING_HEADER])))
    ids = contact_ids(connected, 3)
    for eid in ids:  # each score its own commit, while the first writer waits in its queue
        with django_capture_on_commit_callbacks(execute=True):
            queue([score(eid)])
    [(name, options, mark)] = sent
    # No countdown: the writer waits in the queue, never held by a worker that may be killed.
    assert (name, options) == ("host.push_queued", {})
    # As long as beat's fan-out's mark: a writer waiting behind busy workers is not sent twice.
    assert WAKE_TTL < _redis().ttl(mark) <= PENDING_TTL
    # Beat's fan-out shares the mark: it does not send a second writer behind the first.
    assert outbox_fan_out() == 0
    _redis().delete(mark)  # the writer clears it when it starts
    with django_capture_on_commit_callbacks(execute=True):
        queue([score(ids[0], 3)])
    assert len(sent) == 2


def test_one_writer_per_org_at_a_time(connected, org_a):
    from django.db import connections

    queue([score(contact_ids(connected, 1)[0])])
    other = connections.create_connection("default")
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(hashtext(%s))",
                        [f"salesforce-pushback:{org_a.schema_name}"])
        assert push() == {"busy": 1}
        assert calls(connected, "collections") == 0
    finally:
        other.close()
    assert push() == {"written": 1}
