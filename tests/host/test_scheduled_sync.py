"""The host's scheduled sync: one beat entry, every SYNC integration, only orgs that are due."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from host.contracts import ConnectionResult
from host.fanout import schemas_with_due_work
from host.integrations import get_connection, get_integration
from host.models import SyncRun
from host.schedule import due_syncs, sync_fan_out, sync_interval

KEY = "fake_crm"


@pytest.fixture
def connected_a(org_a):
    with org_a:
        conn = get_connection(KEY)
        conn.store_result(ConnectionResult(external_account_id="acct-S", account_label="s",
                                           credentials={"token": "t-1"}))
    return conn


def _due(org, interval=timedelta(minutes=15)) -> bool:
    return bool(schemas_with_due_work(lambda: due_syncs(KEY, interval), [org.schema_name]))


def test_interval_comes_from_the_integrations_setting(settings):
    settings.SALESFORCE_SYNC_INTERVAL_MINUTES = 7
    assert sync_interval(get_integration("salesforce").info) == timedelta(minutes=7)
    assert sync_interval(get_integration(KEY).info) == timedelta(minutes=15)  # the default


def test_due_only_when_connected_idle_unpaused_and_not_synced_within_the_interval(
        org_a, org_b, connected_a):
    assert _due(org_a) and not _due(org_b)  # B never connected
    with org_a:
        run = SyncRun.objects.create(connection=connected_a, status="running")
    assert not _due(org_a)  # one is running
    with org_a:
        SyncRun.objects.filter(pk=run.pk).update(status="succeeded")
    assert not _due(org_a)  # synced within the interval
    with org_a:
        SyncRun.objects.filter(pk=run.pk).update(
            started_at=timezone.now() - timedelta(minutes=16))
    assert _due(org_a)
    with org_a:
        connected_a.update_settings(lambda v: v.update(
            sync_paused_until=(timezone.now() + timedelta(hours=1)).isoformat()))
    assert not _due(org_a)  # the CRM's API limit paused it
    with org_a:
        connected_a.update_settings(lambda v: v.update(
            sync_paused_until=(timezone.now() - timedelta(minutes=1)).isoformat()))
    assert _due(org_a)


def test_fan_out_sends_one_task_per_due_org_and_integration_in_its_schema(org_a, connected_a,
                                                                           monkeypatch):
    sent = []

    class Task:
        def apply_async(self, args, kwargs, headers):
            sent.append((args, headers["_schema_name"]))

    assert sync_fan_out(Task()) == 1
    assert sent == [((KEY,), org_a.schema_name)]
    org_a.disabled_integrations = [KEY]
    org_a.save()
    assert sync_fan_out(Task()) == 0  # platform staff switched it off for the org


def test_an_org_whose_sync_still_waits_in_the_queue_gets_no_second_one(org_a, connected_a,
                                                                        monkeypatch):
    """A sync backlog: beat's next minutes do not stack copies behind the waiting task; once
    it starts, the org can get the next one (and the mark expires if the broker lost it)."""
    from host.celery_app import app
    from host.tasking import PENDING_HEADER, PENDING_TTL, _redis
    from host.tasks import scheduled_sync_task

    sent = []
    monkeypatch.setattr(app.Task, "apply_async",
                        lambda self, args, kwargs, headers: sent.append(headers))
    assert [sync_fan_out(scheduled_sync_task) for _ in range(3)] == [1, 0, 0]
    [headers] = sent
    assert headers["_schema_name"] == org_a.schema_name
    assert 0 < _redis().ttl(headers[PENDING_HEADER]) <= PENDING_TTL
    with org_a:
        connected_a.update_settings(lambda v: v.update(  # the run itself would be skipped
            sync_paused_until=(timezone.now() + timedelta(hours=1)).isoformat()))
    monkeypatch.undo()
    result = scheduled_sync_task.apply(args=(KEY,), headers=headers)  # the worker starts it
    assert result.get().startswith("skipped")
    assert not _redis().exists(headers[PENDING_HEADER])
    with org_a:
        connected_a.update_settings(lambda v: v.pop("sync_paused_until"))
    monkeypatch.setattr(app.Task, "apply_async",
                        lambda self, args, kwargs, headers: sent.append(headers))
    assert sync_fan_out(scheduled_sync_task) == 1  # due again, and nothing waits
