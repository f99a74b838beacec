"""Syncs on their own queue, under a lease, healed by the sweeper: real Redis, real workers, the
Salesforce emulator with slow pages (``api_delay_seconds``).

- a sync task Redis redelivers after its visibility timeout (the first worker still busy) does
  not run a second time;
- a run whose task was lost to a broker outage during *Sync Now* recovers once the broker is back
  (the periodic sweeper re-enqueues it), and does not block later syncs;
- a long sync on the ``sync`` queue does not delay a survey email on the ``delivery`` queue.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from devtools.smtp_sink import SmtpSink
from host.celery_app import app
from host.models import ExternalLink, SyncRun
from host.sync import start_run
from host.tasking import enqueue
from host.tasks import run_sync_task, sweep_stuck_syncs
from tests.conftest import ROOT
from tests.reliability.workers import start_worker, stop
from tests.salesforce import conftest as salesforce_fixtures
from tests.salesforce.conftest import calls, connect, org_client, page_text
from tests.salesforce.test_webhook_outage import Redis, celery_on, worker_on
from tests.waiting import wait_for

pytestmark = pytest.mark.slow
KEY = "salesforce"
SLOW_PAGE = 2.0  # seconds per Salesforce call: a 25-contact sync in pages of 10 takes ~8 s
SYNC_ENV = {"SALESFORCE_SYNC_PAGE_SIZE": "10"}
sf = salesforce_fixtures.sf  # the fixture: the session's emulator, reset


@pytest.fixture
def connected(sf, committed_org):
    """A committed org connected to the emulator, which holds 25 contacts."""
    sf.state.reset(seed="demo", contacts=25, accounts=1, opportunities=0)
    org = committed_org("syncq")
    assert "Connected" in page_text(connect(org_client(org), org))
    return org


def sf_calls(sf) -> int:
    return calls(sf, "query") + calls(sf, "queryAll")


def run_of(org) -> SyncRun:
    with org:
        return SyncRun.objects.order_by("-pk").first()


def worker_log(name: str) -> str:
    import os

    return (ROOT / ".dev" / f"worker-{name}-{os.getpid()}.log").read_text()


def redeliver_expired(visibility_timeout: float) -> None:
    """The visibility sweep every Redis consumer runs (kombu's ``restore_visible``): messages
    unacknowledged for longer than the timeout go back to their queue. Workers run it only every
    ~100 s by default, so the test runs it once itself, at the same short timeout."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.visibility_timeout = visibility_timeout
        channel.qos.restore_visible(num=100, interval=1)


def test_a_sync_redelivered_after_its_visibility_timeout_does_not_run_twice(
        sf, connected, alone_on_empty_queues):
    env = {**SYNC_ENV, "CELERY_VISIBILITY_TIMEOUT": "2"}
    first = start_worker("sync-a", queues="sync", **env)
    second = start_worker("sync-b", queues="sync", **env)
    try:
        sf.state.configure(api_delay_seconds=SLOW_PAGE)
        before = sf_calls(sf)
        with connected:
            run = start_run(KEY)
            enqueue(run_sync_task, run.pk)  # autocommit: published at once
        assert wait_for(lambda: run_of(connected).lease_owner, timeout=30)  # a worker holds it
        time.sleep(2.5)  # past the visibility timeout, the first worker still on its pages
        assert run_of(connected).status == "running"
        redeliver_expired(2)
        assert wait_for(lambda: "this delivery does nothing" in worker_log("sync-a")
                        + worker_log("sync-b"), timeout=30)  # the other worker got it again
        done = wait_for(lambda: (r := run_of(connected)).status != "running" and r, timeout=60)
    finally:
        sf.state.configure(api_delay_seconds=0)
        stop(first)
        stop(second)
    logs = worker_log("sync-a") + worker_log("sync-b")
    assert logs.count("host.run_sync[") >= 2 and logs.count("this delivery does nothing") == 1
    assert (done.status, done.processed, done.created) == ("succeeded", 25, 25), done.error
    assert sf_calls(sf) - before == done.api_calls  # one execution's calls, not two
    with connected:
        assert ExternalLink.objects.filter(provider=KEY).count() == 25


def test_a_sync_now_lost_to_a_broker_outage_recovers_by_itself(
        sf, connected, alone_on_empty_queues, settings):
    settings.SYNC_LEASE_SECONDS = 2  # how long the web side gives the task to start
    client = org_client(connected)
    redis = Redis()
    redis.start()
    try:
        with celery_on(redis.url):
            redis.stop()
            page = page_text(client.post(f"/settings/integrations/{KEY}/sync", follow=True))
            assert "Sync started" in page  # the publish failed after the commit, silently
            stuck = run_of(connected)
            assert stuck.status == "running"
            refused = page_text(client.post(f"/settings/integrations/{KEY}/sync", follow=True))
            assert "A sync is already running" in refused  # what the stuck run used to do forever
            redis.start()
            with worker_on(redis.url):
                time.sleep(settings.SYNC_LEASE_SECONDS + 0.5)
                assert sweep_stuck_syncs() == 1  # beat's minute: this org has a stuck run
                healed = wait_for(lambda: (r := run_of(connected)).status != "running" and r,
                                  timeout=60)
                assert (healed.pk, healed.status, healed.resumes) == (stuck.pk, "succeeded", 1)
                assert healed.processed == 25
                again = page_text(client.post(f"/settings/integrations/{KEY}/sync", follow=True))
                assert "Sync started" in again  # later syncs are not blocked
                later = wait_for(lambda: (r := run_of(connected)).pk != stuck.pk
                                 and r.status != "running" and r, timeout=60)
                assert later.status == "succeeded"
                assert sweep_stuck_syncs() == 0
    finally:
        redis.stop()


def test_a_long_sync_does_not_delay_a_survey_email_on_the_delivery_queue(
        sf, connected, alone_on_empty_queues, tmp_path: Path):
    from host.contracts import TriggerContact
    from host.trigger import enroll
    from plugins.sequences.models import Sending
    from tests.sequences.factories import active_sequence
    from tests.sequences.test_enrollment import req

    sink = SmtpSink()
    syncs = start_worker("q-sync", queues="sync", **SYNC_ENV)
    sends = start_worker("q-send", queues="default,delivery",
                         EMAIL_URL=f"smtp://127.0.0.1:{sink.port}")
    try:
        sf.state.configure(api_delay_seconds=SLOW_PAGE)
        with connected:
            run = start_run(KEY)
            enqueue(run_sync_task, run.pk)
        assert wait_for(lambda: run_of(connected).lease_owner, timeout=30)
        started = time.monotonic()
        with connected:
            sequence = active_sequence(steps=(("survey", 0),))
            enroll(req(sequence, TriggerContact(email="while-syncing@example.com"),
                       source="manual"))
        assert wait_for(lambda: len(sink.accepted) == 1, timeout=30)
        latency = time.monotonic() - started
        assert run_of(connected).status == "running"  # the sync is still on its slow pages
        assert latency < 5, f"the survey email took {latency:.1f} s"
        def sent():  # the status is committed just after the SMTP server accepted the email
            with connected:
                return Sending.objects.get().status == "sent"
        assert wait_for(sent, timeout=10)
        done = wait_for(lambda: (r := run_of(connected)).status != "running" and r, timeout=60)
        assert done.status == "succeeded"
    finally:
        sf.state.configure(api_delay_seconds=0)
        stop(syncs)
        stop(sends)
        sink.stop()
