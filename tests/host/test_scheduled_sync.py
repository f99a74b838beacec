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
