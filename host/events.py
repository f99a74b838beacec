"""Inbound events: store first (deduplicated), acknowledge, then process once in Celery."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Case, Q, Subquery, When
from django.utils import timezone

from host import hooks, log_context, metrics
from host.contracts import EnrollmentError
from host.integrations import get_connection, is_enabled
from host.models import EventWakeup, InboundEvent, IntegrationConnection
from host.tasking import WAKE_TTL
from host.trigger import enroll

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 30  # the sweeper retries about once a minute
BATCH_SIZE = 100  # events interpreted together (one Outbound Message holds up to 100)
NEW_EVENTS_BUDGET = 60.0  # seconds a woken task works through a backlog before handing it on


def accept_event(provider: str, dedupe_key: str, kind: str, payload: dict) -> tuple[InboundEvent, bool]:
    """One event: see ``accept_events``."""
    return accept_events(provider, [(dedupe_key, kind, payload)])[0]


def accept_events(provider: str, events) -> list[tuple[InboundEvent, bool]]:
    """Store the events whose dedupe key was not seen before, and wake their processing.

    ``events`` are ``(dedupe_key, kind, payload)`` items (or objects with those attributes).
    Returns ``(event, created)`` per item, in order. One statement stores the new events and
    marks the integration's ``process_new_events`` task as woken (``_insert_new``), plus one
    SELECT only when some keys were seen before: no transaction or savepoint round trips, and no
    Redis one, on the request path. Callers acknowledge the sender once this returned: the rows
    are committed (or were already there). The task is sent after the caller's transaction, if
    any, commits, and only when this statement set the mark: while a woken copy still waits in
    its queue, a burst of events costs one task, which then handles all of them. If the broker
    is down, the sweeper picks the events up later.
    """
    items = [(e[0], e[1], e[2]) if isinstance(e, tuple) else (e.dedupe_key, e.kind, e.payload)
             for e in events]
    keys = [key[:255] for key, _, _ in items]
    first = {}  # a key twice in one batch is stored once, from its first item
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    now = timezone.now()
    created, woken = _insert_new(provider, [(key, items[i][1][:50], items[i][2])
                                            for key, i in first.items()], now)
    seen = set(keys) - set(created)
    existing = {e.dedupe_key: e for e in InboundEvent.objects.filter(
        provider=provider, dedupe_key__in=seen)} if seen else {}
    result, announced = [], set()
    for index, key in enumerate(keys):
        if key in created and first[key] == index:
            event = InboundEvent(pk=created[key], provider=provider, dedupe_key=key,
                                 kind=items[index][1][:50], payload=items[index][2],
                                 received_at=now)
            created[key] = event
            announced.add(key)
            result.append((event, True))
        else:
            result.append((created.get(key) or existing[key], False))
    if woken:
        _send_wakeup(provider, now)
    metrics.inc("webhook_events_received", len(announced), integration=provider)
    return result


def _insert_new(provider: str, rows: list[tuple[str, str, dict]], now) -> tuple[dict[str, int], bool]:
    """Insert the rows whose (provider, dedupe key) is new; ``({dedupe_key: id}, woken)``.

    In the same statement, when some rows were new, the integration's ``EventWakeup`` row is
    written unless one younger than ``WAKE_TTL`` is there (its task still waits; an older one
    is written again, in case the broker lost its message). ``woken`` says this statement wrote it:
    the caller sends the task. Writing or not, the statement holds the row's lock until its
    transaction commits, and the task deletes the row before it reads (``_clear_wakeup``): the
    DELETE waits for that lock, so the waiting task always sees the events stored under its mark.
    """
    from django.core.serializers.json import DjangoJSONEncoder

    if not rows:
        return {}, False
    table = connection.ops.quote_name(InboundEvent._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s::jsonb, %s, '', '{}'::jsonb, 0, %s)"] * len(rows))
    params = [value for key, kind, payload in rows for value in (
        provider, key, kind, json.dumps(payload, cls=DjangoJSONEncoder),
        InboundEvent.Status.PENDING, now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH new AS (INSERT INTO {table} (provider, dedupe_key, kind, payload, status, "  # noqa: S608  # nosec B608 - the models' own tables, values bound
            f"reason, result, attempts, received_at) VALUES {values} "
            "ON CONFLICT (provider, dedupe_key) DO NOTHING RETURNING dedupe_key, id), "
            f"woken AS ({_MARK_WOKEN.format(table=_wakeups(), only_if='WHERE EXISTS (SELECT FROM new)')}) "
            "SELECT dedupe_key, id, EXISTS (SELECT FROM woken) FROM new",
            [*params, provider, now, WAKE_TTL])
        stored = cursor.fetchall()
    return {key: pk for key, pk, _ in stored}, bool(stored and stored[0][2])


# The mark of a woken task: written when absent or stale, locked either way (ON CONFLICT DO
# UPDATE locks the row even where its WHERE is false).
_MARK_WOKEN = (
    "INSERT INTO {table} AS w (provider, marked_at) SELECT %s::varchar, %s::timestamptz {only_if} "
    "ON CONFLICT (provider) DO UPDATE SET marked_at = EXCLUDED.marked_at "
    "WHERE w.marked_at < EXCLUDED.marked_at - make_interval(secs => %s) RETURNING 1")


def _wakeups(schema: str | None = None) -> str:
    quote = connection.ops.quote_name
    table = quote(EventWakeup._meta.db_table)
    return f"{quote(schema)}.{table}" if schema else table


def _send_wakeup(provider: str, marked_at) -> None:
    """Send the task a new mark announced, once the current transaction commits. A failed
    publish removes the mark (only its own), so the next event tries again; these events are
    the sweeper's."""
    from host.tasks import process_new_events_task

    schema = connection.schema_name

    def send() -> None:
        try:
            process_new_events_task.apply_async(args=(provider,),
                                                headers={"_schema_name": schema})
        except Exception:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {_wakeups(schema)} WHERE provider = %s "  # noqa: S608  # nosec B608 - the model's own table
                               "AND marked_at = %s", [provider, marked_at])
            raise

    transaction.on_commit(send, robust=True)  # robust: the events are stored all the same


def _clear_wakeup(provider: str) -> None:
    """The woken task starts: the next new event wakes another copy. Waits for any webhook
    still storing events under the mark (``_insert_new``), so the reads after it see them."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_wakeups()} WHERE provider = %s", [provider])  # noqa: S608  # nosec B608


def _wake_again(provider: str) -> None:
    """A fresh copy of the task for the rest of a backlog, unless one was woken meanwhile."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_MARK_WOKEN.format(table=_wakeups(), only_if=""), [provider, now, WAKE_TTL])
        if cursor.fetchone() is not None:
            _send_wakeup(provider, now)


def process_new(provider: str) -> int:
    """Process the integration's never-attempted pending events, oldest first, in batches of
    ``BATCH_SIZE`` (rows locked, skipping ones another worker holds); return how many.

    The task a webhook wakes (``accept_events``). Batches follow one another until none is
    left; after ``NEW_EVENTS_BUDGET`` seconds the task wakes a fresh copy of itself for the
    rest, so one org's backlog never holds a worker for long. Events that failed an attempt
    are the sweeper's (``requeue_stuck``).
    """
    _clear_wakeup(provider)
    started, done = time.monotonic(), 0
    while True:
        with transaction.atomic():
            batch = list(InboundEvent.objects.select_for_update(skip_locked=True).filter(
                provider=provider, status=InboundEvent.Status.PENDING, attempts=0,
            ).order_by("pk")[:BATCH_SIZE])
            if batch:
                _process_locked(batch)
        _count_outcomes(batch)
        done += len(batch)
        if len(batch) < BATCH_SIZE:
            return done
        if time.monotonic() - started >= NEW_EVENTS_BUDGET:
            _wake_again(provider)
            return done


def process_event(event_id: int) -> InboundEvent:
    """Interpret one pending event through its plugin and run the trigger; record the outcome
    (the sweeper's retry and the event log's Replay).

    Other never-attempted pending events of the same integration are taken along (up to
    ``BATCH_SIZE``, rows locked, skipping ones another worker holds), so a plugin that checks
    events against its CRM asks once per batch (``trigger_interpret_events``).
    """
    same_provider = InboundEvent.objects.filter(pk=event_id).values("provider")[:1]
    with transaction.atomic():
        # One statement: the event first, then never-attempted ones of its integration.
        batch = list(InboundEvent.objects.select_for_update(skip_locked=True).filter(
            Q(pk=event_id) | Q(provider=Subquery(same_provider), attempts=0),
            status=InboundEvent.Status.PENDING,
        ).order_by(Case(When(pk=event_id, then=0), default=1), "pk")[:BATCH_SIZE])
        if not batch or batch[0].pk != event_id:  # processed, or another worker holds it
            return InboundEvent.objects.get(pk=event_id)
        _process_locked(batch)
    _count_outcomes(batch)
    return batch[0]


def _process_locked(batch: list[InboundEvent]) -> None:
    """Attempt the locked events of one integration and save each outcome (in the caller's
    transaction)."""
    log_context.update(integration=batch[0].provider)
    for item in batch:
        item.attempts += 1
    _process_batch(batch)
    now = timezone.now()
    for item in batch:
        if item.status != InboundEvent.Status.PENDING:
            item.processed_at = now
        item.save(update_fields=["status", "reason", "result", "attempts", "processed_at"])


def _count_outcomes(batch: list[InboundEvent]) -> None:
    for item in batch:
        if item.status == InboundEvent.Status.PROCESSED:
            metrics.inc("webhook_events_processed", integration=item.provider)
        elif item.status == InboundEvent.Status.IGNORED:
            metrics.inc("webhook_events_ignored", integration=item.provider,
                        reason=metrics.reason_label(item.reason))
        elif item.status == InboundEvent.Status.FAILED:
            metrics.inc("webhook_events_failed", integration=item.provider)


def _process_batch(events: list[InboundEvent]) -> None:
    """Interpret the batch in one call, then enroll each event (its own savepoint). A failed
    interpretation leaves every event pending with the reason (attempted, so each is retried on
    its own by the sweeper)."""
    provider = events[0].provider
    if not is_enabled(provider):
        for event in events:
            _ignore(event, "integration disabled")
        return
    conn = get_connection(provider)
    if conn.status != IntegrationConnection.Status.CONNECTED:
        for event in events:
            _ignore(event, "disconnected" if conn.status != "needs_attention" else "needs reconnect")
        return
    try:
        with transaction.atomic():
            decisions = _interpret(provider, conn, events)
    except Exception as exc:  # noqa: BLE001 - a plugin's transient failure (e.g. a 503)
        for event in events:
            _retry_later(event, exc)
        return
    for event, decision in zip(events, decisions, strict=True):
        try:  # enroll() is atomic: a failure leaves nothing of this event's enrollment behind
            _apply(event, decision)
        except Exception as exc:  # noqa: BLE001
            _retry_later(event, exc)


def _interpret(provider: str, conn, events: list[InboundEvent]) -> list:
    """The batched hook when the plugin implements it, else the per-event one."""
    plugin = hooks.integration(provider)
    decisions = plugin.trigger_interpret_events(connection=conn, events=events)
    if decisions is None:
        decisions = [plugin.trigger_interpret_event(connection=conn, event=event)
                     for event in events]
    if len(decisions) != len(events):
        raise RuntimeError(f"{provider}: {len(decisions)} decisions for {len(events)} events")
    return decisions


def _retry_later(event: InboundEvent, exc: Exception) -> None:
    """Keep the event pending for the sweeper, with the attempt and the reason visible in the
    event log; after ``MAX_ATTEMPTS`` it fails, so the admin sees it and can Replay."""
    error = f"{type(exc).__name__}: {exc}"
    log.warning("event %s: attempt %s failed: %s", event.pk, event.attempts, error)
    if event.attempts >= MAX_ATTEMPTS:
        event.status = InboundEvent.Status.FAILED
        event.reason = f"gave up after {event.attempts} attempts: {error}"[:255]
    else:
        event.status = InboundEvent.Status.PENDING
        event.reason = f"will retry: {error}"[:255]


def _apply(event: InboundEvent, decision) -> None:
    if decision is None or decision.request is None:
        _ignore(event, (decision.ignored_reason if decision else "") or "not understood")
        return
    try:  # enroll() is atomic: a refusal leaves nothing behind in the event's savepoint
        result = enroll(decision.request)
    except EnrollmentError as exc:
        event.status = InboundEvent.Status.FAILED
        event.reason = exc.message[:255]
        return
    event.status = InboundEvent.Status.PROCESSED
    event.reason = ""
    event.result = {
        "sendings_created": result.sendings_created,
        "outcomes": [{"email": o.email, "status": o.status, "reason": o.reason}
                     for o in result.outcomes],
    }


def _ignore(event: InboundEvent, reason: str) -> None:
    event.status = InboundEvent.Status.IGNORED
    event.reason = reason


def replay(event: InboundEvent) -> None:
    """Put an ignored or failed event back to pending and process it again."""
    from host.tasking import enqueue
    from host.tasks import process_event_task

    if event.status not in (InboundEvent.Status.IGNORED, InboundEvent.Status.FAILED):
        raise ValueError("Only ignored or failed events can be replayed.")
    InboundEvent.objects.filter(pk=event.pk).update(status=InboundEvent.Status.PENDING, reason="")
    enqueue(process_event_task, event.pk)


def stuck_events():
    """Events still pending after ``STUCK_AFTER`` (broker was down, worker died)."""
    return InboundEvent.objects.filter(status=InboundEvent.Status.PENDING,
                                       received_at__lt=timezone.now() - STUCK_AFTER)


def requeue_stuck() -> int:
    """Re-enqueue the stuck events."""
    from host.tasking import enqueue
    from host.tasks import process_event_task

    ids = list(stuck_events().values_list("pk", flat=True)[:1000])
    for event_id in ids:
        enqueue(process_event_task, event_id)
    return len(ids)
