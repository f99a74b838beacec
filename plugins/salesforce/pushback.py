"""Score pushback: queue each recorded score, then write queued scores in batches of 200 through
sObject Collections (not all-or-none), so 10,000 responses cost about 50 API calls.

Per record: field errors fail with a remedy and wait for *Retry failed*; a deleted contact is
skipped with its reason; ``UNABLE_TO_LOCK_ROW`` retries. Per call: 503, 5xx and timeouts retry
with backoff and jitter; ``REQUEST_LIMIT_EXCEEDED`` defers to the next window; a connection that
needs reconnecting keeps its queue. A score older than the one already written is never sent.
One writer runs per org at a time (a PostgreSQL advisory lock), so batches never race.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

from django.core.cache import cache
from django.db import connection as db
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from host import metrics
from host.contracts import NeedsReconnect, PushbackResult
from host.tasking import enqueue
from plugins.salesforce import errors
from plugins.salesforce.client import COLLECTION_LIMIT, KEY, NotConnected, RecordUpdate, SalesforceClient
from plugins.salesforce.field_check import failure_remedy, mapping
from plugins.salesforce.models import PushbackItem

log = logging.getLogger(__name__)
Status = PushbackItem.Status
BATCH = 2000  # items locked per transaction; sent 200 contacts per call
MAX_BATCHES = 50  # per run (100,000 scores); the rest goes to the next run
MAX_ATTEMPTS = 8  # retryable failures before an item fails and waits for Retry failed
RETRY_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"}
FIELD_CODES = {"INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE", "JSON_PARSER_ERROR",
               "INVALID_TYPE_ON_FIELD_IN_RECORD", "FIELD_INTEGRITY_EXCEPTION", "STRING_TOO_LONG",
               "NUMBER_OUTSIDE_VALID_RANGE"}
GONE_CODES = {"ENTITY_IS_DELETED", "NOT_FOUND"}
LIMIT_DEFER = timedelta(hours=1)  # the daily limit is a rolling 24-hour window
SCHEDULE_DELAY = 2  # seconds: scores arriving together go out in one batch
SCHEDULED_KEY = "sf-pushback-scheduled"  # the cache adds the org schema
RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def queue(scores) -> list[PushbackResult]:
    """The pushback hook: store the scores, schedule one writer run per org (coalesced)."""
    PushbackItem.objects.bulk_create([
        PushbackItem(response_id=s.response_id, contact_id=s.contact_id,
                     external_id=s.external_id[:18], kind=s.kind, score=s.score,
                     answered_at=s.answered_at)
        for s in scores
    ], ignore_conflicts=True)  # a redelivered task stores nothing twice
    schedule()
    return [PushbackResult(response_id=s.response_id, status="queued") for s in scores]


def schedule(delay: int = SCHEDULE_DELAY) -> None:
    """Enqueue the writer after commit, at most once per org until it starts.

    A score committed while a run is already reading is picked up by the next score's run or by
    the periodic ``salesforce.push_all`` (every minute).
    """
    from plugins.salesforce.tasks import push_queued_task

    if cache.add(SCHEDULED_KEY, 1, timeout=delay + 10):
        enqueue(push_queued_task, countdown=delay)


@contextmanager
def _writer_lock():
    """A session-level advisory lock per org schema: one writer at a time."""
    key = f"salesforce-pushback:{db.schema_name}"
    with db.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
        acquired = cur.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with db.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


def due_items(now):
    """Queued items whose next attempt has come."""
    return PushbackItem.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), status=Status.QUEUED)


def push_queued(connection, now=None) -> dict[str, int]:
    """Write every due queued score of the current org. Returns counts by outcome."""
    now = now or timezone.now()
    cache.delete(SCHEDULED_KEY)
    totals: Counter = Counter()
    with _writer_lock() as acquired:
        if not acquired:  # another run is writing; look again once it is likely done
            schedule(delay=10)
            return {"busy": 1}
        client = SalesforceClient(connection)
        fields = mapping(connection)
        date_type = connection.settings.get("field_mapping", {}).get("date_type", "date")
        for _ in range(MAX_BATCHES):
            with transaction.atomic():
                items = list(due_items(now).select_for_update(skip_locked=True)
                             .order_by("answered_at", "id")[:BATCH])
                if not items:
                    break
                stop = _write(client, fields, date_type, items, now)
            totals.update(str(item.status) for item in items)
            for item in items:
                metrics.inc("pushback_writes", integration=KEY, status=str(item.status))
            if stop:
                break
        else:
            schedule(delay=0)
    return dict(totals)


def _write(client, fields, date_type, items, now) -> bool:
    """Plan, send and record one batch; True when the run must stop (limit, reconnect)."""
    updates, owners = _plan(fields, date_type, items)
    stop = _send(client, fields, owners, updates, now) if owners else False
    _save(items, now)
    return stop


def _save(items, now) -> None:
    """Store every item's outcome in one statement (``bulk_update``'s CASE per row and field is
    far slower for 2,000 rows)."""
    for item in items:
        item.updated_at = now
    with db.cursor() as cur:
        cur.execute(
            "UPDATE salesforce_pushbackitem AS t SET status = v.status, attempts = v.attempts, "
            "next_attempt_at = v.next_attempt_at, fields = v.fields::jsonb, error = v.error, "
            "error_code = v.error_code, updated_at = %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::timestamptz[], %s::text[], "
            "%s::text[], %s::text[]) AS v(id, status, attempts, next_attempt_at, fields, error, "
            "error_code) WHERE t.id = v.id",
            [now, [i.pk for i in items], [str(i.status) for i in items],
             [i.attempts for i in items], [i.next_attempt_at for i in items],
             [json.dumps(i.fields) for i in items], [i.error for i in items],
             [i.error_code for i in items]])


def _plan(fields, date_type, items):
    """One update per contact: the newest score per kind and the newest survey date.

    Scores older than one already written are skipped, so a late older score never
    overwrites a newer one; within the batch, a newer score supersedes an older one.
    """
    latest, latest_any = _latest_written(items)
    date_field = fields["date_field"]
    updates: dict[str, dict] = {}
    owners: dict[str, list[PushbackItem]] = {}
    pending: dict[tuple[str, str], PushbackItem] = {}
    for item in items:  # oldest first
        eid, key = item.external_id, (item.external_id, item.kind)
        field = fields["nps_field"] if item.kind == "nps" else fields["csat_field"]
        if not RECORD_ID.match(eid):
            _done(item, Status.FAILED, f"{eid!r} is not a Salesforce record id.", "MALFORMED_ID")
            continue
        if key in latest and latest[key] > item.answered_at:
            _done(item, Status.SKIPPED, "A newer score is already in Salesforce.", "OLDER_SCORE")
            continue
        if key in pending:
            older = pending[key]
            owners[eid].remove(older)
            _done(older, Status.SKIPPED, "Superseded by a newer score.", "OLDER_SCORE")
        pending[key] = item
        values = updates.setdefault(eid, {})
        if field:
            values[field] = item.score
        newest = latest_any.get(eid)
        if date_field and (newest is None or item.answered_at >= newest):
            values[date_field] = (item.answered_at.isoformat() if date_type == "datetime"
                                  else timezone.localdate(item.answered_at).isoformat())
        owners.setdefault(eid, []).append(item)
    for eid in list(owners):
        values = updates[eid]
        for item in list(owners[eid]):
            field = fields["nps_field"] if item.kind == "nps" else fields["csat_field"]
            item.fields = {k: values[k] for k in (field, date_field) if k and k in values}
            if not item.fields:
                owners[eid].remove(item)
                _done(item, Status.SKIPPED, "No Salesforce field is mapped for this score.",
                      "NOT_MAPPED")
        if not owners[eid]:
            del owners[eid]
    return updates, owners


def _send(client, fields, owners, updates, now) -> bool:
    order = list(owners)
    for start in range(0, len(order), COLLECTION_LIMIT):
        chunk = order[start:start + COLLECTION_LIMIT]
        carried = [item for eid in chunk for item in owners[eid]]
        try:
            results = client.update_many([RecordUpdate("Contact", eid, updates[eid])
                                          for eid in chunk])
        except (NeedsReconnect, NotConnected) as exc:
            for item in _rest(owners, order[start:]):  # kept as they are until the reconnect
                item.error, item.error_code = f"Waiting for a reconnect: {exc}", "NEEDS_RECONNECT"
            return True
        except errors.ApiLimitExceeded as exc:
            concurrent = "Concurrent" in errors.first_error(exc.details)[1]
            for item in _rest(owners, order[start:]):
                if concurrent:
                    _retry(item, now, exc.message, exc.error_code)
                else:
                    _defer(item, now + LIMIT_DEFER, exc.message, exc.error_code)
            return True
        except errors.SalesforceError as exc:
            retry = exc.retryable or isinstance(exc, errors.SessionExpired)
            for item in carried:
                if retry:
                    _retry(item, now, exc.message, exc.error_code)
                else:
                    item.attempts += 1
                    _done(item, Status.FAILED, exc.message, exc.error_code)
            continue
        for eid, result in zip(chunk, results, strict=True):
            for item in owners[eid]:
                _apply_result(item, result, fields, now)
    return False


def _rest(owners, eids):
    return [item for eid in eids for item in owners[eid]]


def _apply_result(item, result, fields, now) -> None:
    if result.get("success"):
        item.attempts += 1
        _done(item, Status.WRITTEN, "")
        return
    error = (result.get("errors") or [{}])[0]
    code, message = error.get("statusCode", ""), error.get("message", "")
    if code in RETRY_CODES:
        _retry(item, now, message, code)
        return
    item.attempts += 1
    if code in GONE_CODES:
        _done(item, Status.SKIPPED, f"The contact was deleted in Salesforce ({message}).", code)
    elif code in FIELD_CODES:
        remedy = failure_remedy(code, error.get("fields") or [], fields)
        said = f"Salesforce said: {message.rstrip('.')}. " if message else ""
        _done(item, Status.FAILED, said + remedy, code)
    else:
        _done(item, Status.FAILED, message or "Salesforce refused the update.", code)


def _done(item, status, error, code="") -> None:
    item.status, item.error, item.error_code, item.next_attempt_at = status, error, code, None


def _defer(item, until, error, code) -> None:
    item.next_attempt_at, item.error, item.error_code = until, error, code


def _retry(item, now, error, code) -> None:
    """Back off exponentially with jitter (about 30 s, 1 min, 2 min … capped at 1 h); after
    ``MAX_ATTEMPTS`` the item fails and waits for Retry failed."""
    item.attempts += 1
    if item.attempts >= MAX_ATTEMPTS:
        _done(item, Status.FAILED, f"{error} Salesforce kept refusing after {item.attempts} "
              "attempts; click Retry failed to try again.".strip(), code)
        return
    cap = min(3600, 30 * 2 ** (item.attempts - 1))
    delay = cap / 2 + random.uniform(0, cap / 2)  # noqa: S311 - jitter, not security
    _defer(item, now + timedelta(seconds=delay), error, code)


def _latest_written(items):
    """The newest score already written per (contact, kind), and per contact (any kind)."""
    ids = {i.external_id for i in items}
    rows = (PushbackItem.objects.filter(external_id__in=ids, status=Status.WRITTEN)
            .values("external_id", "kind").annotate(latest=Max("answered_at")).order_by())
    per_kind = {(r["external_id"], r["kind"]): r["latest"] for r in rows}
    per_contact: dict = {}
    for (external_id, _), when in per_kind.items():
        per_contact[external_id] = max(when, per_contact.get(external_id, when))
    return per_kind, per_contact


def retry_failed() -> int:
    """After the admin fixed a field: put failed items back in the queue, now."""
    count = PushbackItem.objects.filter(status=Status.FAILED).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=None, error="", error_code="",
        updated_at=timezone.now())
    if count:
        cache.delete(SCHEDULED_KEY)
        schedule(delay=0)
    return count
