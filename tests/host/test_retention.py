"""Rows that hold contact data or pending secrets are deleted when they expire (issue 13 §7)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from api.models import IdempotencyRecord
from tenants.models import OAuthState


def _idempotency(org, key: str, age_hours: float) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(organization=org, key=key, fingerprint="f",
                                              status_code=201,
                                              body={"data": {"email": f"{key}@example.com"}})
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(hours=age_hours))
    return record


def _state(org, name: str, expires_in_minutes: float) -> OAuthState:
    return OAuthState.objects.create(
        state_hash=name.ljust(64, "0"), organization=org, provider="salesforce",
        session_hash="s", user_id=1, private_state_encrypted="x",
        expires_at=timezone.now() + timedelta(minutes=expires_in_minutes))


def test_idempotency_records_go_when_their_ttl_ends_in_batches(org_a, org_b, settings):
    from api.tasks import purge_expired_idempotency_records

    settings.API_IDEMPOTENCY_TTL_HOURS = 24
    expired = [_idempotency(org, f"old-{org.slug}-{i}", 25) for org in (org_a, org_b)
               for i in range(3)]
    fresh = [_idempotency(org_a, "fresh", 23), _idempotency(org_b, "fresh", 1)]
    assert purge_expired_idempotency_records(batch_size=2) == len(expired)
    remaining = set(IdempotencyRecord.objects.values_list("pk", flat=True))
    assert remaining == {r.pk for r in fresh}


def test_expired_oauth_states_go(org_a):
    from host.tasks import purge_expired_oauth_states

    gone = [_state(org_a, f"gone{i}", -1) for i in range(3)]
    kept = _state(org_a, "kept", 9)
    assert purge_expired_oauth_states(batch_size=2) == len(gone)
    assert list(OAuthState.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_purges_are_periodic():
    from host.celery_app import app

    app.finalize()
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"api.purge_expired_idempotency_records", "host.purge_expired_oauth_states"} <= tasks
    assert "host.purge_old_rows" in tasks


# --- Per-kind ages: events, sending events, written pushback, sync runs ---------------------------


def _aged(model, pk, field: str, days: float) -> None:
    model.objects.filter(pk=pk).update(**{field: timezone.now() - timedelta(days=days)})


def test_hook_platform_expired_rows__each_kind_goes_after_its_own_age_and_needed_rows_stay(
        in_org_a, settings, celery_eager):
    from host.models import Contact, InboundEvent, IntegrationConnection, PushbackItem, SyncRun
    from host.tasks import purge_old_rows
    from plugins.sequences.models import Sending, SendingEvent
    from tests.sequences.factories import active_sequence

    settings.RETENTION_INBOUND_EVENTS_DAYS = 30
    settings.RETENTION_SENDING_EVENTS_DAYS = 60
    settings.RETENTION_PUSHBACK_ITEMS_DAYS = 30
    settings.RETENTION_SYNC_RUNS_DAYS = 0  # kept forever

    def event(key, days, status="processed"):
        e = InboundEvent.objects.create(provider="salesforce", dedupe_key=key, kind="k",
                                        status=status)
        _aged(InboundEvent, e.pk, "received_at", days)
        return e.pk

    old_events = [event(f"old{i}", 31) for i in range(5)]
    kept_events = [event("new", 29), event("old-pending", 45, status="pending")]

    contact = Contact.objects.create(email="pat@example.com")
    sending = Sending.objects.create(contact=contact, sequence=active_sequence(), source="api",
                                     idempotency_key="k1")
    old_timeline = [SendingEvent.objects.create(sending=sending, kind="email_sent").pk
                    for _ in range(3)]
    for pk in old_timeline:
        _aged(SendingEvent, pk, "at", 61)
    recent_timeline = SendingEvent.objects.create(sending=sending, kind="status").pk

    def item(external_id, kind, answered_days, status="written", updated_days=40):
        i = PushbackItem.objects.create(
            provider="salesforce", response_id=uuid.uuid4(), contact_id=contact.pk,
            external_id=external_id, kind=kind, score=9,
            answered_at=timezone.now() - timedelta(days=answered_days), status=status)
        _aged(PushbackItem, i.pk, "updated_at", updated_days)
        return i.pk

    superseded = [item("003A", "nps", 50), item("003A", "nps", 45)]
    newest_written = item("003A", "nps", 41)  # the newest of 003A/nps: a late score needs it
    other_kind = item("003A", "csat", 50)
    old_failed = item("003B", "nps", 50, status="failed")
    recent_written = [item("003C", "nps", 3, updated_days=2), item("003C", "nps", 2,
                                                                   updated_days=1)]

    conn = IntegrationConnection.objects.get_or_create(provider="salesforce")[0]
    runs = [SyncRun.objects.create(connection=conn, status="succeeded").pk for _ in range(2)]
    for pk in runs:
        _aged(SyncRun, pk, "started_at", 400)

    purge_old_rows()  # the daily fan-out; eager, so each org's purge runs here

    assert set(InboundEvent.objects.values_list("pk", flat=True)) == set(kept_events)
    assert list(SendingEvent.objects.values_list("pk", flat=True)) == [recent_timeline]
    assert set(PushbackItem.objects.values_list("pk", flat=True)) == {
        newest_written, other_kind, old_failed, *recent_written}
    assert not set(superseded) & set(PushbackItem.objects.values_list("pk", flat=True))
    assert SyncRun.objects.count() == 2 and old_events  # sync runs: kept forever (0)

    from host.retention import purge_org

    settings.RETENTION_SYNC_RUNS_DAYS = 90
    assert purge_org(batch_size=1) == {"host.SyncRun": 1}
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [runs[1]]  # the latest stays
    running = SyncRun.objects.create(connection=conn, status="running").pk
    _aged(SyncRun, running, "started_at", 400)
    assert purge_org() == {"host.SyncRun": 1}
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [running]  # never a running one


def test_batches_are_short_statements(in_org_a, django_assert_max_num_queries):
    from host.models import InboundEvent
    from host.retention import delete_in_batches

    for i in range(7):
        InboundEvent.objects.create(provider="p", dedupe_key=f"b{i}", kind="k", status="ignored")
    with django_assert_max_num_queries(20):
        assert delete_in_batches(InboundEvent.objects.all(), batch_size=3) == 7
