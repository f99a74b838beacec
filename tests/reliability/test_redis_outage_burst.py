"""Redis (broker and cache) stopped for 30 s in the middle of a burst of Salesforce Outbound
Messages over HTTP: every delivery is acknowledged with the exact Ack, every event is stored
once, and once Redis is back and the sweeper ran, every event is processed exactly once (one
sending each). 0 events lost.

Builds on the private redis-server, ``celery_on`` and ``worker_on`` of the 3-second outage test
(tests/salesforce/test_webhook_outage.py); the worker runs on that Redis the whole time, so it
loses its broker in the middle of the burst and must reconnect by itself.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone

from host.events import STUCK_AFTER
from host.models import InboundEvent
from host.tasks import sweep_pending_events
from plugins.salesforce.webhooks.payloads import ACK
from tests.salesforce.conftest import sf  # noqa: F401 - fixtures
from tests.salesforce.test_webhook_outage import Redis, celery_on, worker_on
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    envelope,
    live_fixture,
    wait_for,
    won,
)

pytestmark = pytest.mark.slow

OUTAGE = 30.0  # seconds Redis stays down
BEFORE, DURING, AFTER = 50, 100, 50  # 200 distinct notifications
WAVES = 10  # the DURING notifications arrive in waves spread over the outage
REDELIVERED = 20  # outage notifications Salesforce sends again afterwards (it never trusts)


@pytest.fixture
def redis(settings):
    """A private redis-server that is the whole Redis of this test: broker and Django cache."""
    server = Redis()
    server.start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    yield server
    server.stop()


def nid(n: int) -> str:
    return f"04l5g0000{n:06d}RLB"


def key(n: int) -> str:
    return f"om:{nid(n)}"  # the event's dedupe key: the Outbound Message notification id


def test_redis_down_30s_during_a_webhook_burst_loses_no_event(live, redis):
    total = BEFORE + DURING + AFTER
    deals = []
    for n in range(total):
        contact = live.sf.state.create("Contact", {"LastName": f"Burst{n}",
                                                   "Email": f"burst{n}@example.com"})["Id"]
        deals.append(live.sf.state.create("Opportunity", {
            "Name": f"Burst {n}", "StageName": "Closed Won", "CloseDate": "2026-12-01",
            "ContactId": contact})["Id"])

    def deliver(n: int):
        started = time.monotonic()
        response = live.post(envelope((nid(n), won(deals[n]))), token=live.secret)
        return n, response.status_code, response.text, time.monotonic() - started

    results = []
    with celery_on(redis.url), worker_on(redis.url), ThreadPoolExecutor(10) as pool:
        results += pool.map(deliver, range(BEFORE))  # Redis up: enqueued, being processed
        redis.stop()  # mid-burst: queued and in-flight tasks die with it (no persistence)
        down = time.monotonic()
        wave = DURING // WAVES
        for w in range(WAVES):
            start = BEFORE + w * wave
            results += pool.map(deliver, range(start, start + wave))
            time.sleep(max(0.0, down + (w + 1) * OUTAGE / WAVES - time.monotonic()))
        assert time.monotonic() - down >= OUTAGE
        with live.org:  # everything received while Redis was down is stored and pending
            outage_ids = set(InboundEvent.objects.filter(
                dedupe_key__in=[key(n) for n in range(BEFORE, BEFORE + DURING)],
                status=InboundEvent.Status.PENDING).values_list("dedupe_key", flat=True))
        assert len(outage_ids) == DURING
        redis.start()
        results += pool.map(deliver, range(BEFORE + DURING, total))
        redelivered = list(pool.map(deliver, range(BEFORE, BEFORE + REDELIVERED)))

        # Every delivery answered at once with the exact Ack, broker or not.
        for n, status, text, seconds in results + redelivered:
            assert (status, text) == (200, ACK), (n, status, text)
            assert seconds < 3, (n, seconds)
        events = live.events()
        assert len(events) == total  # stored once each, redeliveries included
        assert sorted(e.dedupe_key for e in events) == sorted(key(n) for n in range(total))

        # The outage's events were never queued: a later delivery's task takes them along in
        # its batch (never-attempted pending events), else beat's sweeper once STUCK_AFTER has
        # passed. Run the sweeper twice: a re-enqueued event that is already queued or
        # processed must not run again.
        with live.org:
            InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).update(
                received_at=timezone.now() - STUCK_AFTER - timedelta(seconds=30))
        sweep_pending_events()
        sweep_pending_events()
        events = live.settle(timeout=90)

    assert {e.status for e in events} == {"processed"}, \
        [(e.dedupe_key, e.status, e.reason) for e in events if e.status != "processed"]
    assert {e.attempts for e in events} == {1}  # processed exactly once
    assert {e.result["sendings_created"] for e in events} == {1}
    sendings = live.sendings()
    assert len(sendings) == total
    assert sorted(s.reference for s in sendings) == sorted(deals)
    assert sorted(s.contact.email for s in sendings) == sorted(
        f"burst{n}@example.com" for n in range(total))
