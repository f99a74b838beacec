"""The REST API's periodic work (scheduled in ``host/celery_app.py``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from api.models import IdempotencyRecord
from host.celery_app import app
from host.retention import BATCH_SIZE, delete_in_batches


@app.task(name="api.purge_expired_idempotency_records")
def purge_expired_idempotency_records(batch_size: int = BATCH_SIZE) -> int:
    """Periodic (public schema: records of every org live there): stored responses carry contact
    data, so they go once ``API_IDEMPOTENCY_TTL_HOURS`` is over (no longer replayed anyway)."""
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    return delete_in_batches(IdempotencyRecord.objects.filter(created_at__lt=cutoff), batch_size)


@app.task(name="api.flush_key_usage")
def flush_key_usage() -> int:
    """Periodic (public: keys live there): write the API key usage counted in Redis, one UPDATE
    per org that has any (``api/usage.py``)."""
    from api.usage import flush_all

    return flush_all()
