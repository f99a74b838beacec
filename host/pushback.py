"""The pushback outbox: every CRM plugin's score writes, queued, batched and retried here.

``host.scores.report_score`` queues one ``PushbackItem`` per recorded score and CRM link; a
writer run per org and integration (``push_queued`` on the ``pushback`` queue, a Celery task
woken at once, never a second one while one waits in the queue, so the scores arriving
meanwhile share its batch; and beat's ``host.push_all`` for what came due) takes
the due items oldest first and hands them to the plugin's ``pushback_write`` in batches of at
most ``PushbackSpec.batch_size`` records. The plugin only writes; the host decides the rest:

- newest score wins per record and kind: a score older than one already written is skipped, and
  within a batch a newer score supersedes an older one; the survey date only moves forward;
- retryable failures back off exponentially with jitter, up to ``MAX_ATTEMPTS``, then fail and
  wait for *Retry failed*; permanent failures wait for it at once;
- a rate limit defers the integration's whole queue by the CRM's retry-after and stops the run;
- a connection that needs reconnecting keeps its queue untouched until the reconnect;
- one writer per org and integration (a PostgreSQL advisory lock), and the items it writes are
  row-locked (``SKIP LOCKED``), so no item is ever written twice by concurrent runs.
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import connection as db
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from host import hooks, metrics
from host.contracts import NeedsReconnect, PushbackSpec, PushbackWrite, ScoreUpdate
from host.integrations import get_integration
from host.models import PushbackItem
from host.tasking import PENDING_TTL, forget_wake, wake

log = logging.getLogger(__name__)
Status = PushbackItem.Status
LOCK_CHUNK = 2000  # items locked per transaction, handed to the plugin in batches
MAX_ROUNDS = 50  # chunks per run (100,000 scores); the rest goes to the next run
MAX_ATTEMPTS = 8  # retryable failures before an item fails and waits for Retry failed
NO_SPEC = PushbackSpec(fields=())


def spec_of(provider: str) -> PushbackSpec:
    return get_integration(provider).info.pushback or NO_SPEC


# --- Queueing ----------------------------------------------------------------------------------


def queue(provider: str, scores: list[ScoreUpdate]) -> int:
    """Store scores for ``provider`` and schedule its writer (coalesced). A score queued twice
    (a redelivered task) is stored once. Returns how many were given."""
    PushbackItem.objects.bulk_create([
        PushbackItem(provider=provider, response_id=s.response_id, contact_id=s.contact_id,
                     external_id=s.external_id, kind=s.kind, score=s.score,
                     answered_at=s.answered_at)
        for s in scores
    ], ignore_conflicts=True)
    schedule(provider)
    return len(scores)


def schedule(provider: str) -> None:
    """Enqueue the writer after commit, unless one still waits in its queue for this org and
    integration (``host.tasking.wake``: it will see this commit's scores).

    However long the ``pushback`` queue is (it yields to webhook events), an org has one
    writer waiting in it, not one per score: the mark lasts as long as beat's fan-out's
    (``PENDING_TTL``, 10 minutes), since writers wait longest when the workers are busiest.
    No countdown: Celery hands a message with one to a worker at once, which holds it until
    it is due, so a worker killed meanwhile would keep the writer (until the broker's
    visibility timeout) and its mark (10 minutes) from the org's later scores. Without one, a
    writer waits in the queue, never in a worker.
    """
    from host.tasks import push_queued_task

    wake(push_queued_task, provider, ttl=PENDING_TTL)


def unschedule(provider: str) -> None:
    """Forget that a writer waits, so the next ``schedule`` sends one."""
    from host.tasks import push_queued_task

    forget_wake(push_queued_task, provider)


def due_items(provider: str, now):
    """``provider``'s queued items whose next attempt has come."""
    return PushbackItem.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        provider=provider, status=Status.QUEUED)


def retry_failed(provider: str) -> int:
    """After the admin fixed a field: put failed items back in the queue, now."""
    count = PushbackItem.objects.filter(provider=provider, status=Status.FAILED).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=None, error="", error_code="",
        updated_at=timezone.now())
    if count:
        unschedule(provider)  # now, not behind a writer waiting in a long queue
        schedule(provider)
    return count


def backlog(provider: str) -> int:
    """Scores recorded but not written yet (waiting or to be retried): the staff admin's figure."""
    return PushbackItem.objects.filter(provider=provider, status=Status.QUEUED).count()


def expired_rows(cutoff):
    """Written items older than ``cutoff`` (queued, failed and skipped ones stay for the
    admin), except the newest written score of each record and kind: a late older score is
    checked against it."""
    written = PushbackItem.objects.filter(status=Status.WRITTEN)
    newest = (written.order_by("provider", "external_id", "kind", "-answered_at", "-pk")
              .distinct("provider", "external_id", "kind").values("pk"))
    return written.filter(updated_at__lt=cutoff).exclude(pk__in=newest)


def mapping(connection, spec: PushbackSpec | None = None) -> dict[str, str]:
    """The admin's field mapping, every declared field's key → target; ``""`` = not written."""
    spec = spec or spec_of(connection.provider)
    saved = connection.settings.get("field_mapping")
    if saved is None:
        return {f.key: f.default_target for f in spec.fields}
    return {f.key: saved.get(f.key, "") for f in spec.fields}


# --- The writer --------------------------------------------------------------------------------


@contextmanager
def _writer_lock(provider: str):
    """A session-level advisory lock per org schema and integration: one writer at a time."""
    key = f"{provider}-pushback:{db.schema_name}"
    with db.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
        acquired = cur.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with db.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


class _Run:
    """One writer run's fixed facts."""

    def __init__(self, connection, now):
        self.connection = connection
        self.provider = connection.provider
        self.now = now
        integration = get_integration(self.provider)
        self.name = integration.info.name
        self.spec = integration.info.pushback or NO_SPEC
        self.mapping = mapping(connection, self.spec)
        self.write = hooks.integration(self.provider).pushback_write
        self.stop_reason: tuple[datetime, str, str] | None = None  # rate limit: until, error, code
        self.reconnect_reason = ""


def push_queued(connection, now=None) -> dict[str, int]:
    """Write the current org's due queued scores for ``connection``'s integration.

    Returns counts by outcome (``{"busy": 1}`` when another writer holds the lock: that one
    looks for what came due meanwhile once it is done).
    """
    now = now or timezone.now()
    provider = connection.provider
    totals: Counter = Counter()
    stop = False
    with _writer_lock(provider) as acquired:
        if not acquired:
            return {"busy": 1}
        run = _Run(connection, now)
        for _ in range(MAX_ROUNDS):
            with transaction.atomic():
                items = list(due_items(provider, now).select_for_update(skip_locked=True)
                             .order_by("answered_at", "id")[:LOCK_CHUNK])
                if not items:
                    break
                stop = _write_chunk(run, items)
                _save(items, now)
                outcomes = Counter(str(item.status) for item in items)
                # Counted before the rows commit, so a scrape never sees a write uncounted; one
                # count per status, not a Redis call per item.
                for status, count in outcomes.items():
                    metrics.inc("pushback_writes", count, integration=provider, status=status)
            totals.update(outcomes)
            if stop:
                if run.stop_reason:
                    _defer_queue(run)
                break
            if len(items) < LOCK_CHUNK:
                break  # that was all that was due (a later score schedules its own run)
        else:
            schedule(provider)
    # Scores that came due while this run wrote: their writer may have found it busy. After
    # the unlock, so a writer woken from here on takes the lock.
    if not stop and due_items(provider, timezone.now()).exists():
        schedule(provider)
    return dict(totals)


def _write_chunk(run: _Run, items: list[PushbackItem]) -> bool:
    """Plan, send in batches and record one chunk; True when the run must stop."""
    batches = _plan(run, items)
    for number, batch in enumerate(batches):
        if not run.connection.is_connected:
            _keep_for_reconnect(run, [i for b in batches[number:] for i in b],
                                run.connection.last_error
                                or f"{run.name} needs to be reconnected.")
            return True
        if _send(run, batch):
            rest = [i for b in batches[number + 1:] for i in b]
            if run.stop_reason:
                until, error, code = run.stop_reason
                for item in rest:
                    _defer(item, until, error, code)
            else:
                _keep_for_reconnect(run, rest, run.reconnect_reason)
            return True
    return False


def _plan(run: _Run, items: list[PushbackItem]) -> list[list[PushbackItem]]:
    """Newest score wins, values resolved from the mapping; batches of ``batch_size`` records.

    Items come oldest first. Sets ``item.values`` on the ones to send; the others are done.
    """
    spec, chosen = run.spec, run.mapping
    latest, latest_any = _latest_written(run.provider, items)
    pending: dict[tuple[str, str], PushbackItem] = {}
    for item in items:
        key = (item.external_id, item.kind)
        if key in latest and latest[key] > item.answered_at:
            _done(item, Status.SKIPPED, f"A newer score is already in {run.name}.", "OLDER_SCORE")
            continue
        if key in pending:
            _done(pending[key], Status.SKIPPED, "Superseded by a newer score.", "OLDER_SCORE")
        pending[key] = item
    records: dict[str, list[PushbackItem]] = {}
    for item in items:
        if pending.get((item.external_id, item.kind)) is not item:
            continue
        values = {}
        for field in spec.fields:
            target = chosen.get(field.key)
            if not target:
                continue
            if field.scores == item.kind:
                values[target] = item.score
            elif not field.scores and field.type == "date":
                newest = latest_any.get(item.external_id)
                if newest is None or item.answered_at >= newest:
                    values[target] = item.answered_at
        if not values:
            _done(item, Status.SKIPPED, f"No {run.name} {spec.field_noun} is mapped for this "
                                        "score.", "NOT_MAPPED")
            continue
        item.values = values
        item.fields = {k: _plain(v) for k, v in values.items()}
        records.setdefault(item.external_id, []).append(item)
    order = list(records)
    size = max(1, spec.batch_size)
    return [[i for eid in order[start:start + size] for i in records[eid]]
            for start in range(0, len(order), size)]


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _send(run: _Run, batch: list[PushbackItem]) -> bool:
    """One ``pushback_write`` call; True when the run must stop (rate limit, reconnect)."""
    writes = [PushbackWrite(item_id=i.pk, response_id=i.response_id, contact_id=i.contact_id,
                            external_id=i.external_id, kind=i.kind, score=i.score,
                            answered_at=i.answered_at, values=i.values, attempts=i.attempts)
              for i in batch]
    try:
        results = run.write(connection=run.connection, items=writes) or []
    except NeedsReconnect as exc:
        run.reconnect_reason = str(exc)
        _keep_for_reconnect(run, batch, run.reconnect_reason)
        return True
    except Exception as exc:  # noqa: BLE001 - a plugin bug or outage must not lose the batch
        log.exception("pushback_write of %s failed", run.provider)
        for item in batch:
            _retry(run, item, f"{run.name} could not be written to: {exc}",
                   type(exc).__name__[:60])
        return False
    by_response = {r.response_id: r for r in results}
    stop = False
    for item in batch:
        result = by_response.get(item.response_id)
        if result is None:
            _retry(run, item, f"{run.name} returned no result for this score.", "NO_RESULT")
            continue
        if result.fields:
            item.fields = dict(result.fields)
        stop = _apply(run, item, result) or stop
    return stop


def _apply(run: _Run, item: PushbackItem, result) -> bool:
    if result.status == "written":
        item.attempts += 1
        _done(item, Status.WRITTEN, "")
    elif result.status == "skipped":
        item.attempts += 1
        _done(item, Status.SKIPPED, result.error, result.error_code)
    elif result.status == "rate_limited":
        if result.retry_after is not None:
            until = run.now + timedelta(seconds=result.retry_after)
            _defer(item, until, result.error, result.error_code)
        else:
            _retry(run, item, result.error, result.error_code)
            until = item.next_attempt_at or run.now
        run.stop_reason = (until, result.error, result.error_code)
        return True
    elif result.status == "failed" and result.retryable:
        _retry(run, item, result.error, result.error_code)
    else:
        item.attempts += 1
        _done(item, Status.FAILED, result.error or f"{run.name} refused the update.",
              result.error_code)
    return False


def _keep_for_reconnect(run: _Run, items, reason: str) -> None:
    """Kept as they are (no attempt counted) until the admin reconnects."""
    for item in items:
        item.error = f"Waiting for a reconnect: {reason}".strip()
        item.error_code = "NEEDS_RECONNECT"


def _defer_queue(run: _Run) -> None:
    """A rate limit holds for the whole integration: defer the rest of its due queue too."""
    until, error, code = run.stop_reason
    due_items(run.provider, run.now).update(next_attempt_at=until, error=error, error_code=code,
                                            updated_at=run.now)


def _done(item, status, error, code="") -> None:
    item.status, item.error, item.error_code, item.next_attempt_at = status, error, code, None


def _defer(item, until, error, code) -> None:
    item.next_attempt_at, item.error, item.error_code = until, error, code


def backoff(attempts: int) -> float:
    """Seconds before retry ``attempts``: exponential (about 30 s, 1 min, 2 min … capped at
    1 h) with jitter, so items that failed together do not retry together."""
    cap = min(3600, 30 * 2 ** (attempts - 1))
    return cap / 2 + random.uniform(0, cap / 2)  # noqa: S311 - jitter, not security


def _retry(run: _Run, item, error, code) -> None:
    """Back off; after ``MAX_ATTEMPTS`` the item fails and waits for Retry failed."""
    item.attempts += 1
    if item.attempts >= MAX_ATTEMPTS:
        _done(item, Status.FAILED, f"{error} {run.name} kept refusing after {item.attempts} "
              "attempts; click Retry failed to try again.".strip(), code)
        return
    _defer(item, run.now + timedelta(seconds=backoff(item.attempts)), error, code)


def _save(items, now) -> None:
    """Store every item's outcome in one statement (``bulk_update``'s CASE per row and field is
    far slower for 2,000 rows)."""
    for item in items:
        item.updated_at = now
    with db.cursor() as cur:
        cur.execute(
            "UPDATE host_pushbackitem AS t SET status = v.status, "
            "attempts = v.attempts, next_attempt_at = v.next_attempt_at, "
            "fields = v.fields::jsonb, error = v.error, error_code = v.error_code, "
            "updated_at = %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::timestamptz[], %s::text[], "
            "%s::text[], %s::text[]) AS v(id, status, attempts, next_attempt_at, fields, error, "
            "error_code) WHERE t.id = v.id",
            [now, [i.pk for i in items], [str(i.status) for i in items],
             [i.attempts for i in items], [i.next_attempt_at for i in items],
             [json.dumps(i.fields) for i in items], [i.error for i in items],
             [i.error_code[:60] for i in items]])


def _latest_written(provider: str, items):
    """The newest score already written per (record, kind), and per record (any kind)."""
    ids = {i.external_id for i in items}
    rows = (PushbackItem.objects.filter(provider=provider, external_id__in=ids,
                                        status=Status.WRITTEN)
            .values("external_id", "kind").annotate(latest=Max("answered_at")).order_by())
    per_kind = {(r["external_id"], r["kind"]): r["latest"] for r in rows}
    per_record: dict = {}
    for (external_id, _), when in per_kind.items():
        per_record[external_id] = max(when, per_record.get(external_id, when))
    return per_kind, per_record
