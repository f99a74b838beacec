"""Salesforce answering 503 SERVER_UNAVAILABLE to every API call for a whole minute (real time):
sync, pushback and contact lookups fail cleanly during it, back off, and recover afterwards with
nothing done twice.

One outage serves the three flows (three separate minutes would not fit CI's budget):
- sync: a run interrupted by the outage mid-way and a run started during it both fail cleanly;
  the next run after it resumes from the checkpoint and completes, no duplicate contact or link;
- pushback: queued scores back off (the backoff is recorded and grows), then are written once;
- lookups: a Closed Won whose contact is only reachable through the API stays pending (also
  when the sweeper retries it during the outage) and is processed once afterwards, one sending.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from host import pushback as outbox
from host.events import STUCK_AFTER, requeue_stuck
from host.integrations import get_connection
from host.models import Contact, ExternalLink, InboundEvent, PushbackItem, SyncRun
from host.sync import execute_run, start_run
from host.tasks import push_all as push_all_task
from host.tasks import sweep_pending_events
from plugins.salesforce.webhooks.payloads import ACK
from tests.salesforce.conftest import KEY, calls, sf  # noqa: F401 - fixtures
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    envelope,
    live_fixture,
    wait_for,
    won,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("celery_worker")]

OUTAGE = 60.0
PAGE = 10


def sync() -> SyncRun:
    """What the sync task does: start a run, execute it to its end (in this process, so the
    small page size applies)."""
    return execute_run(start_run(KEY, trigger="manual").pk)


def links() -> list[str]:
    return list(ExternalLink.objects.filter(provider=KEY).values_list("external_id", flat=True))


def shift_pending_events() -> int:
    """As if the sweeper's STUCK_AFTER had passed for every pending event."""
    return InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).update(
        received_at=timezone.now() - STUCK_AFTER - timedelta(seconds=30))


def make_due() -> None:
    """Skip the wait for the recorded backoff (asserted before this is called)."""
    PushbackItem.objects.filter(status="queued").update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_minute_of_503_sync_pushback_and_lookups_recover_without_duplicates(live, settings):
    settings.SALESFORCE_SYNC_PAGE_SIZE = PAGE
    state = live.sf.state
    buyer = state.create("Contact", {"FirstName": "Lou", "LastName": "Kup",
                                     "Email": "lookup.buyer@example.com"})["Id"]
    deal = state.create("Opportunity", {"Name": "Outage deal", "StageName": "Closed Won",
                                        "CloseDate": "2026-12-01", "ContactId": buyer})["Id"]
    remote = sorted(r["Id"] for r in state.records("Contact"))
    assert len(remote) > 3 * PAGE
    scored = remote[:3]
    untouched = {eid: state.get("Contact", eid) for eid in scored}
    with live.org:
        contacts_before = Contact.objects.count()
        outbox.unschedule(KEY)

    # --- the outage starts: the COUNT and the first page of a sync still get through --------
    fault = state.add_fault("SERVER_UNAVAILABLE", seconds=OUTAGE, after=2)
    with live.org:
        interrupted = sync()
        assert interrupted.status == "failed", interrupted.error
        assert "unavailable" in interrupted.error.lower()
        assert (interrupted.processed, interrupted.created) == (PAGE, PAGE)
        assert len(links()) == PAGE
        checkpoint = dict(get_connection(KEY).sync_checkpoint)
        assert checkpoint.get("stamp") and not checkpoint.get("complete")

        during = sync()  # started in the middle of the outage: fails at once, changes nothing
        assert during.status == "failed" and "unavailable" in during.error.lower()
        assert during.processed == 0 and len(links()) == PAGE
        assert get_connection(KEY).sync_checkpoint == checkpoint

        # Pushback: the writer runs on the worker, gets 503 and backs off.
        queued_at = timezone.now()
        outbox.queue(KEY, [pushback_score(eid, score)
                           for eid, score in zip(scored, (9, 7, 2), strict=True)])
        items = wait_for(lambda: attempted(1), timeout=30)
        seen = timezone.now()
        for item in items:  # about 30 s with jitter: 15-30 s after the writer's try
            assert item.error_code == "SERVER_UNAVAILABLE"
            assert queued_at + timedelta(seconds=15) <= item.next_attempt_at
            assert item.next_attempt_at <= seen + timedelta(seconds=30)
        make_due()  # the backoff came due while Salesforce is still down: it doubles
        retried_at = timezone.now()
        push_all_task()
        items = wait_for(lambda: attempted(2), timeout=30)
        seen = timezone.now()
        for item in items:  # 30-60 s after the second try
            assert item.error_code == "SERVER_UNAVAILABLE"
            assert retried_at + timedelta(seconds=30) <= item.next_attempt_at
            assert item.next_attempt_at <= seen + timedelta(seconds=60)

    # Lookup: the payload names only the opportunity, the contact must come from the API.
    before = calls(live.sf, "query")
    response = live.post(envelope(("04l5g00000503AAAAA", won(deal))), token=live.secret)
    assert (response.status_code, response.text) == (200, ACK)
    wait_for(lambda: calls(live.sf, "query") > before, timeout=30)
    time.sleep(1)
    [event] = live.events()
    assert (event.status, event.attempts) == ("pending", 1)  # kept for the sweeper, visibly
    assert event.reason.startswith("will retry: SalesforceUnavailable")
    with live.org:  # the sweeper retries it during the outage: still pending
        shift_pending_events()
        tried = calls(live.sf, "query")
        assert requeue_stuck() == 1
    wait_for(lambda: calls(live.sf, "query") > tried, timeout=30)
    time.sleep(1)
    [event] = live.events()
    assert (event.status, event.attempts) == ("pending", 2)
    assert live.sendings() == []
    with live.org:
        assert get_connection(KEY).status == "connected"  # a 503 is no reason to reconnect
    assert {eid: state.get("Contact", eid) for eid in scored} == untouched  # nothing written

    # --- the outage ends ------------------------------------------------------------------
    time.sleep(max(0.0, fault.until - time.monotonic() + 0.5))

    with live.org:
        shift_pending_events()
    assert sweep_pending_events() >= 1  # beat's sweeper
    [event] = wait_for(lambda: [e for e in live.events() if e.status != "pending"], timeout=30)
    assert (event.status, event.attempts, event.result["sendings_created"]) == ("processed", 3, 1)
    assert event.reason == ""

    with live.org:
        resumed = sync()
        assert resumed.status == "succeeded", resumed.error
        assert resumed.processed == len(remote) - PAGE  # from the checkpoint, not from zero
        assert sorted(links()) == remote  # every Salesforce contact linked exactly once
        assert Contact.objects.count() == contacts_before + len(remote)
        assert ExternalLink.objects.get(external_id=buyer).contact.email == \
            "lookup.buyer@example.com"

        make_due()  # the second backoff was recorded above; do not wait for it in real time
        push_all_task()
        items = wait_for(lambda: written(3), timeout=30)
        assert {(i.attempts, i.error_code) for i in items} == {(3, "")}

        # Nothing happens twice afterwards: another sweep, another pushback tick, another sync.
        collections = calls(live.sf, "collections")
        assert requeue_stuck() == 0
        push_all_task()
        again = sync()
        assert (again.status, again.created) == ("succeeded", 0)
        assert Contact.objects.count() == contacts_before + len(remote)
    time.sleep(2)
    assert calls(live.sf, "collections") == collections == 3  # two 503s, one write
    [sending] = live.sendings()
    assert (sending.reference, sending.contact.email) == (deal, "lookup.buyer@example.com")
    [event] = live.events()
    assert event.attempts == 3
    for item in items:
        record = state.get("Contact", item.external_id)
        assert (record["NPS_Score__c"], record["Last_Survey_Date__c"]) == (
            item.score, timezone.localdate(item.answered_at).isoformat())
    assert sorted(i.score for i in items) == [2, 7, 9]


def pushback_score(external_id: str, score: int):
    from host.contracts import ScoreUpdate

    return ScoreUpdate(response_id=uuid.uuid4(), contact_id=uuid.uuid4(), external_id=external_id,
                       kind="nps", score=score, answered_at=timezone.now())


def attempted(n: int) -> list[PushbackItem] | None:
    """The three items once each has been tried ``n`` times and is still queued."""
    items = list(PushbackItem.objects.all())
    done = len(items) == 3 and all(i.status == "queued" and i.attempts == n for i in items)
    return items if done else None


def written(n: int) -> list[PushbackItem] | None:
    items = list(PushbackItem.objects.filter(status="written"))
    return items if len(items) == n else None
