"""A worker SIGKILLed while its sObject Collections call to Salesforce is in flight: after a
restart every queued score ends ``written`` exactly once and the Contacts hold the right values."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from host import pushback as outbox
from host.contracts import ExternalContact, ScoreUpdate
from host.models import PushbackItem
from host.sync import apply_contacts
from host.tasks import push_all as push_all_task
from tests.reliability.workers import kill_hard, only_new_workers, start_worker, stop
from tests.salesforce.conftest import KEY, calls, connect, org_client, sf  # noqa: F401
from tests.waiting import wait_for

pytestmark = pytest.mark.slow

DELAY = 8.0  # seconds the emulator holds every API call: the kill lands while it waits


@pytest.fixture
def alone():
    with only_new_workers():
        yield


def test_pushback_writes_each_score_once_after_the_worker_dies_mid_call(
        committed_org, sf, alone):  # noqa: F811 - the imported fixture
    from host.celery_app import app

    app.control.purge()
    org = committed_org("pbkill")
    connect(org_client(org), org)
    sf.state.seed("demo", contacts=3, accounts=1, opportunities=0)
    ann, bob, cy = [r["Id"] for r in sf.state.records("Contact", include_deleted=False)][:3]
    now = timezone.now()
    expected = {  # (external id, kind) -> score
        (ann, "nps"): 9, (ann, "csat"): 4, (bob, "nps"): 6, (cy, "nps"): 10}
    first = start_worker("pb-doomed")
    try:
        with org:
            apply_contacts(KEY, [ExternalContact(external_id=eid, email=f"{n}@example.com")
                                 for n, eid in (("ann", ann), ("bob", bob), ("cy", cy))])
            outbox.unschedule(KEY)
            sf.state.configure(api_delay_seconds=DELAY)
            sf.state.calls.clear()
            outbox.queue(KEY, [  # store, schedule one writer run after commit
                ScoreUpdate(response_id=uuid.uuid4(), contact_id=uuid.uuid4(), external_id=eid,
                            kind=kind, score=value, answered_at=now - timedelta(minutes=i))
                for i, ((eid, kind), value) in enumerate(expected.items())])
        # The writer took the batch under its locks and Salesforce has the call: kill it now.
        wait_for(lambda: calls(sf, "collections") == 1, timeout=30)
        kill_hard(first)
    finally:
        stop(first)
        sf.state.configure(api_delay_seconds=0.0)
    with org:  # nothing was recorded: the batch's transaction died with the worker
        items = list(PushbackItem.objects.all())
        assert len(items) == 4
        assert {(i.status, i.attempts, i.next_attempt_at, i.error_code) for i in items} == {
            ("queued", 0, None, "")}
    time.sleep(DELAY)  # the orphaned call completes in Salesforce (nobody reads its answer)

    second = start_worker("pb-survivor")
    try:
        assert push_all_task() >= 1  # what beat runs every minute: our org has due scores
        with org:
            wait_for(lambda: PushbackItem.objects.filter(status="written").count() == 4,
                     timeout=60)
            assert not outbox.due_items(KEY, timezone.now()).exists()
            push_all_task()  # a later beat tick: nothing is due in our org, nothing is sent
            time.sleep(3)  # give a stray second run the time to show up
            items = list(PushbackItem.objects.all())
    finally:
        stop(second)
    assert {(i.status, i.attempts, i.error_code) for i in items} == {("written", 1, "")}
    assert calls(sf, "collections") == 2  # the one killed mid-call, then the one that counted
    for i, ((eid, kind), value) in enumerate(expected.items()):
        record = sf.state.get("Contact", eid)
        assert record["NPS_Score__c" if kind == "nps" else "CSAT_Score__c"] == value
        newest = min(j for j, (other, _) in enumerate(expected) if other == eid)
        assert record["Last_Survey_Date__c"] == timezone.localdate(
            now - timedelta(minutes=newest)).isoformat(), i
