"""Sync runs under a lease, healed by the sweeper; beat's fan-out only reaches orgs with due work.

In-process (eager) counterparts of tests/reliability/test_sync_queues.py, which runs the same
paths with a real broker and workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from host.celery_app import app
from host.models import ExternalLink, SyncRun
from host.sync import execute_run, start_run
from host.sync_lease import acquire, heal_stuck_runs, stuck_runs
from tests.salesforce import test_sync
from tests.salesforce.conftest import calls, page_text
from tests.salesforce.test_sync import KEY

synced_org = test_sync.synced_org  # the fixture: org A connected, 25 contacts in pages of 10


def expire(run: SyncRun, **fields) -> None:
    SyncRun.objects.filter(pk=run.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1), **fields)


def test_a_second_delivery_of_a_leased_run_does_nothing(sf, synced_org, org_a):
    with org_a:
        run = start_run(KEY)
        assert acquire(run.pk, "first-execution")
        before = calls(sf, "query") + calls(sf, "queryAll")
        again = execute_run(run.pk)  # the redelivered task, while the first one is alive
        assert again.status == "running" and again.processed == 0
        assert calls(sf, "query") + calls(sf, "queryAll") == before
        assert ExternalLink.objects.count() == 0
        expire(run)  # the first execution died: its lease lapses
        done = execute_run(run.pk)
        assert (done.status, done.processed, done.lease_owner) == ("succeeded", 25, "")


def test_a_run_that_lost_its_lease_writes_no_more_pages(sf, synced_org, org_a, settings):
    from host.contracts import ContactPage, ExternalContact
    from host.sync import persist_page
    from host.sync_lease import LeaseLost

    with org_a:
        run = start_run(KEY)
        assert acquire(run.pk, "slow")
        expire(run)
        assert acquire(run.pk, "new")  # taken over
        page = ContactPage(contacts=[ExternalContact(external_id="003X", email="x@example.com",
                                                     last_name="X")],
                           checkpoint={"stamp": "x"}, api_calls=1)
        with pytest.raises(LeaseLost):
            persist_page(run.connection, run, page, owner="slow")
        assert ExternalLink.objects.count() == 0  # the page rolled back with the renewal


def test_sweeper_resumes_a_run_no_task_picked_up(sf, synced_org, org_a, celery_eager,
                                                 django_capture_on_commit_callbacks):
    from host.tasks import sweep_stuck_syncs

    with org_a:
        run = start_run(KEY)  # Sync Now, and the broker swallowed the task
        assert not stuck_runs().exists()  # not before its lease time
        expire(run)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stuck_syncs() == 1  # only org A has a stuck run
    with org_a:
        run.refresh_from_db()
        assert (run.status, run.processed, run.resumes) == ("succeeded", 25, 1)


def test_sweeper_fails_a_run_after_its_resumes_and_frees_the_next_sync(
        sf, synced_org, org_a, settings, django_capture_on_commit_callbacks):
    settings.SYNC_MAX_RESUMES = 2
    with org_a:
        run = start_run(KEY)
        expire(run, resumes=2)
        with django_capture_on_commit_callbacks(execute=False) as enqueued:
            assert heal_stuck_runs() == {"resumed": 0, "failed": 1}
        assert enqueued == []
        run.refresh_from_db()
        assert run.status == "failed" and run.finished_at is not None
        assert "no worker finished it after 3 attempts" in run.error
    page = page_text(synced_org.get(f"/settings/integrations/{KEY}"))
    assert "no worker finished it after 3 attempts" in page  # the admin sees why
    with org_a:
        assert start_run(KEY).status == "running"  # not blocked by the dead run


def test_two_sweepers_resume_a_run_once(sf, synced_org, org_a, monkeypatch,
                                        django_capture_on_commit_callbacks):
    from host import sync_lease

    with org_a:
        run = start_run(KEY)
        expire(run)
        stale = list(stuck_runs())
        with django_capture_on_commit_callbacks(execute=False) as enqueued:
            assert heal_stuck_runs() == {"resumed": 1, "failed": 0}
            # A second sweeper that read the same row before the first updated it claims nothing.
            monkeypatch.setattr(sync_lease, "stuck_runs", lambda: stale)
            assert heal_stuck_runs() == {"resumed": 0, "failed": 0}
        assert len(enqueued) == 1


def test_sync_and_delivery_tasks_have_their_own_queues_and_limits(settings):
    app.loader.import_default_modules()
    route = app.amqp.router.route
    assert route({}, "host.run_sync")["queue"].name == "sync"
    assert route({}, "host.scheduled_sync")["queue"].name == "sync"
    assert route({}, "sequences.deliver")["queue"].name == "delivery"
    for name in ("host.process_event", "host.process_new_events", "host.heal_stuck_syncs"):
        assert route({}, name)["queue"].name == "default"
    for name in ("host.pushback", "host.push_queued"):  # scores wait while events queue
        assert route({}, name)["queue"].name == "pushback"
    assert app.tasks["host.push_queued"].soft_time_limit == settings.PUSHBACK_TASK_SOFT_TIME_LIMIT
    sync, deliver = app.tasks["host.run_sync"], app.tasks["sequences.deliver"]
    event = app.tasks["host.process_event"]
    assert sync.soft_time_limit == settings.SYNC_TASK_SOFT_TIME_LIMIT > event.soft_time_limit
    assert event.soft_time_limit == settings.DEFAULT_TASK_SOFT_TIME_LIMIT
    assert deliver.soft_time_limit == settings.DELIVERY_TASK_SOFT_TIME_LIMIT < event.soft_time_limit
    assert sync.time_limit == sync.soft_time_limit + settings.TASK_HARD_TIME_LIMIT_GRACE
    # A sync under its lease outlives the broker's redelivery only by renewing: the hard limit
    # ends it before Redis would hand it to a second worker.
    assert sync.time_limit < settings.CELERY_VISIBILITY_TIMEOUT


def test_stuck_sync_sweeper_is_scheduled_every_minute():
    entries = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert entries.get("host.sweep_stuck_syncs") == 60.0


def test_a_sync_at_its_soft_time_limit_continues_in_a_new_task(
        sf, synced_org, org_a, monkeypatch, django_capture_on_commit_callbacks):
    from celery.exceptions import SoftTimeLimitExceeded

    from host import sync as sync_module

    real = sync_module.persist_page
    pages = []

    def limited(conn, run, page, owner=None):
        if len(pages) == 2:
            raise SoftTimeLimitExceeded()
        pages.append(page)
        return real(conn, run, page, owner=owner)

    monkeypatch.setattr(sync_module, "persist_page", limited)
    with org_a:
        run = start_run(KEY)
        with django_capture_on_commit_callbacks(execute=False) as enqueued:
            stopped = execute_run(run.pk)
        assert (stopped.status, stopped.processed, stopped.lease_owner) == ("running", 10, "")
        assert len(enqueued) == 1  # the continuation
        monkeypatch.setattr(sync_module, "persist_page", real)
        done = execute_run(run.pk)  # what the continuation runs: from the checkpoint
        assert (done.status, done.processed, done.created) == ("succeeded", 25, 25)


# --- beat's fan-out ----------------------------------------------------------------------------


def test_fan_out_reaches_only_orgs_with_due_work_in_one_query(org_a, org_b):
    from host.fanout import schemas_with_due_work
    from host.models import IntegrationConnection
    from host.sync_lease import stuck_runs as due

    with org_b:
        conn = IntegrationConnection.objects.create(provider="fanout-test")
        run = SyncRun.objects.create(connection=conn)
        expire(run)
    schemas = [org_a.schema_name, org_b.schema_name]
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as queries:
        found = schemas_with_due_work(due, schemas)
    assert found == {org_b.schema_name}
    probes = [q["sql"] for q in queries if not q["sql"].upper().startswith("SET ")]
    assert len(probes) == 1, probes  # (django-tenants may set the search path first)
    assert f'"{org_b.schema_name}"."host_syncrun"' in probes[0]


def test_fan_out_qualifies_subquery_tables_too(org_a, org_b):
    from django.db.models import Exists, OuterRef

    from host.fanout import schemas_with_due_work
    from host.models import IntegrationConnection

    with org_a:
        conn = IntegrationConnection.objects.create(provider="fanout-sub")
        SyncRun.objects.create(connection=conn, status="failed")

    def due():
        return IntegrationConnection.objects.filter(
            Exists(SyncRun.objects.filter(connection=OuterRef("pk"), status="failed")))

    assert schemas_with_due_work(due, [org_a.schema_name, org_b.schema_name]) == {
        org_a.schema_name}


def test_beat_enqueues_nothing_for_orgs_without_due_work(org_a, org_b, monkeypatch):
    from host.tasks import push_all as push_all_task
    from host.tasks import sweep_pending_events, sweep_stuck_syncs
    from host.tasks import sync_all as sync_all_task
    from plugins.sequences.tasks import dispatch_due_task

    sent = []
    monkeypatch.setattr(app.Task, "apply_async",
                        lambda self, *a, **k: sent.append(self.name))
    assert [sweep_pending_events(), sweep_stuck_syncs(), dispatch_due_task(), push_all_task(),
            sync_all_task()] == [0, 0, 0, 0, 0]
    assert sent == []
