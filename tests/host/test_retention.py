"""Rows that hold contact data or pending secrets are deleted when they expire (issue 13 §7)."""

from __future__ import annotations

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
