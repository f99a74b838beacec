"""Score pushback: queue each recorded score, then write queued scores in batches of 200 through
sObject Collections (not all-or-none), so 10,000 responses cost about 50 API calls.

Per record: field errors fail with a remedy and wait for *Retry failed*; a deleted contact is
skipped with its reason; ``UNABLE_TO_LOCK_ROW`` retries. Per call: 503 and timeouts retry with
backoff and jitter; ``REQUEST_LIMIT_EXCEEDED`` defers to the next window; a connection that needs
reconnecting keeps its queue. A score older than the one already written is never sent.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from host.contracts import NeedsReconnect, PushbackResult
from plugins.salesforce import errors
from plugins.salesforce.client import NotConnected, RecordUpdate, SalesforceClient
from plugins.salesforce.field_check import mapping
from plugins.salesforce.models import PushbackItem

log = logging.getLogger(__name__)
BATCH = 2000  # items per run; the client sends them 200 per call
RETRY_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"}
FIELD_CODES = {"INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE", "JSON_PARSER_ERROR",
               "INVALID_TYPE_ON_FIELD_IN_RECORD", "FIELD_INTEGRITY_EXCEPTION"}
GONE_CODES = {"ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY"}
LIMIT_DEFER = timedelta(hours=1)
SCHEDULE_DELAY = 2  # seconds: scores arriving together go out in one batch


def queue(scores) -> list[PushbackResult]:
    """The pushback hook: store the scores, schedule one writer run per org (coalesced)."""
    PushbackItem.objects.bulk_create([
        PushbackItem(response_id=s.response_id, contact_id=s.contact_id,
                     external_id=s.external_id[:18], kind=s.kind, score=s.score,
                     answered_at=s.answered_at)
        for s in scores
    ], ignore_conflicts=True)
    schedule()
    return [PushbackResult(response_id=s.response_id, status="queued") for s in scores]


def schedule(delay: int = SCHEDULE_DELAY) -> None:
    """Enqueue the writer after commit, at most once per org every few seconds."""
    from plugins.salesforce.tasks import push_queued_task

    if cache.add("sf-pushback-scheduled", 1, timeout=delay + 5):
        headers_task = push_queued_task.s().set(countdown=delay)
        from django.db import connection

        transaction.on_commit(lambda: headers_task.apply_async(
            headers={"_schema_name": connection.schema_name}), robust=True)


def push_queued(connection, now=None) -> dict[str, int]:
    """Write every due queued score. Returns counts by outcome."""
    now = now or timezone.now()
    cache.delete("sf-pushback-scheduled")
    with transaction.atomic():
        items = list(PushbackItem.objects.select_for_update(skip_locked=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            status=PushbackItem.Status.QUEUED,
        ).order_by("answered_at")[:BATCH])
        if not items:
            return {}
        return _write(connection, items, now)


def _write(connection, items, now) -> dict[str, int]:
    counts: dict[str, int] = {}
    fields = mapping(connection)
    latest, latest_any = _latest_written(items)
    updates: dict[str, dict] = {}
    owners: dict[str, list[PushbackItem]] = {}
    pending: dict[tuple[str, str], PushbackItem] = {}
    for item in items:  # oldest first, so a newer score for the same contact wins
        key = (item.external_id, item.kind)
        field = fields["nps_field"] if item.kind == "nps" else fields["csat_field"]
        if latest.get(key) and latest[key] > item.answered_at:
            _done(item, PushbackItem.Status.SKIPPED, "A newer score is already in Salesforce.")
            continue
        if key in pending:
            older = pending[key]
            owners[item.external_id].remove(older)
            _done(older, PushbackItem.Status.SKIPPED, "Superseded by a newer score.")
        pending[key] = item
        values = updates.setdefault(item.external_id, {})
        if field:
            values[field] = item.score
        newest_date = latest_any.get(item.external_id)
        if fields["date_field"] and (newest_date is None or item.answered_at >= newest_date):
            values[fields["date_field"]] = item.answered_at.date().isoformat()
        item.fields = {k: v for k, v in values.items()
                       if k in (field, fields["date_field"])}
        owners.setdefault(item.external_id, []).append(item)
    empty = [i for i in owners if not updates[i] or not owners[i]]
    for external_id in empty:
        for item in owners.pop(external_id):
            _done(item, PushbackItem.Status.SKIPPED, "No field is mapped for this score.")
    if owners:
        _send(connection, owners, updates, now)
    for item in items:
        item.updated_at = now
        counts[item.status] = counts.get(item.status, 0) + 1
    PushbackItem.objects.bulk_update(items, ["status", "attempts", "next_attempt_at", "fields",
                                             "error", "error_code", "updated_at"])
    return counts


def _send(connection, owners, updates, now) -> None:
    client = SalesforceClient(connection)
    order = list(owners)
    _all(owners, lambda i: setattr(i, "attempts", i.attempts + 1))
    try:
        results = client.update_many([RecordUpdate("Contact", eid, updates[eid]) for eid in order])
    except (NeedsReconnect, NotConnected) as exc:
        _call_failed(owners, now, str(exc), "NEEDS_RECONNECT", defer=timedelta(minutes=5))
        return
    except errors.ApiLimitExceeded as exc:
        _call_failed(owners, now, exc.message, exc.error_code, defer=LIMIT_DEFER)
        return
    except errors.SalesforceError as exc:
        _call_failed(owners, now, exc.message, exc.error_code, retry=exc.retryable)
        return
    for external_id, result in zip(order, results, strict=True):
        for item in owners[external_id]:
            _apply_result(item, result, now)


def _apply_result(item, result, now) -> None:
    if result.get("success"):
        _done(item, PushbackItem.Status.WRITTEN, "")
        return
    error = (result.get("errors") or [{}])[0]
    code, message = error.get("statusCode", ""), error.get("message", "")
    if code in RETRY_CODES:
        _backoff(item, now, message, code)
    elif code in GONE_CODES:
        _done(item, PushbackItem.Status.SKIPPED, "The contact was deleted in Salesforce.", code)
    elif code in FIELD_CODES:
        fields = ", ".join(error.get("fields") or []) or "a mapped field"
        _done(item, PushbackItem.Status.FAILED,
              f"{message} Fix {fields} (run Test Fields), then click Retry failed.", code)
    else:
        _done(item, PushbackItem.Status.FAILED, message or "Salesforce refused the update.", code)


def _call_failed(owners, now, message, code, defer=None, retry=False) -> None:
    """The whole call failed: defer, back off, or fail every item it carried."""
    for items in owners.values():
        for item in items:
            if defer is not None:
                _defer(item, now + defer, message, code)
            elif retry:
                _backoff(item, now, message, code)
            else:
                _done(item, PushbackItem.Status.FAILED, message, code)


def _all(owners, fn) -> None:
    for items in owners.values():
        for item in items:
            fn(item)


def _done(item, status, error, code="") -> None:
    item.status, item.error, item.error_code, item.next_attempt_at = status, error, code, None


def _defer(item, until, error, code) -> None:
    item.next_attempt_at, item.error, item.error_code = until, error, code


def _backoff(item, now, error, code) -> None:
    """Exponential backoff with jitter: about 30 s, 1 min, 2 min … capped at 1 h."""
    cap = min(3600, 30 * 2 ** (item.attempts - 1))
    item.next_attempt_at = now + timedelta(seconds=cap / 2 + random.uniform(0, cap / 2))  # noqa: S311
    item.error, item.error_code = error, code


def _latest_written(items):
    """The newest score already written per (contact, kind), and per contact (any kind)."""
    ids = {i.external_id for i in items}
    rows = (PushbackItem.objects.filter(external_id__in=ids, status=PushbackItem.Status.WRITTEN)
            .values("external_id", "kind").annotate(latest=Max("answered_at")))
    per_kind = {(r["external_id"], r["kind"]): r["latest"] for r in rows}
    per_contact: dict = {}
    for (external_id, _), when in per_kind.items():
        per_contact[external_id] = max(when, per_contact.get(external_id, when))
    return per_kind, per_contact


def retry_failed() -> int:
    """After the admin fixed a field: put failed items back in the queue."""
    count = PushbackItem.objects.filter(status=PushbackItem.Status.FAILED).update(
        status=PushbackItem.Status.QUEUED, next_attempt_at=None, error="", error_code="",
        updated_at=timezone.now())
    if count:
        schedule(delay=0)
    return count
