"""Running sequence steps: each at its time, exactly once, with retries for mail failures.

Short waits never sit in the broker: every due step is a ``next_run_at`` in the database, and a
periodic task (``dispatch_due``) hands due sendings to workers. A step runs under a row lock,
and the email is sent before that transaction commits, so a worker killed before the commit
leaves the step due for the next attempt.

A worker that enrolls a few contacts (a webhook event) sends their first email itself right
after its commit: a second trip through the broker would double the event's queueing and
task overhead for nothing. Larger enrollments, and those from web requests (the manual queue,
the REST API), go to the delivery queue. Either way a sending whose delivery did not happen
stays due, and ``dispatch_due`` hands it out again.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from host import metrics
from host.tasking import enqueue
from plugins.sequences.emails import build_email, survey_url
from plugins.sequences.models import Sending, SendingEvent, SendingSettings, Sequence, Step

log = logging.getLogger(__name__)
BATCH = 100
INLINE_MAX = 10  # due sendings a worker delivers itself after enrolling them
RETRY_BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
                 timedelta(hours=1)]
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def dispatch(sending_ids) -> None:
    """Deliver sendings once the current transaction commits: in this worker when they are
    few (``INLINE_MAX``), else through the delivery queue in batches of ``BATCH``."""
    from plugins.sequences.tasks import deliver_task

    ids = [str(pk) for pk in sending_ids]
    if 0 < len(ids) <= INLINE_MAX and _in_worker():
        # robust: the enrollment is committed; a failure here leaves the sendings due.
        transaction.on_commit(partial(deliver, ids), robust=True)
        return
    for start in range(0, len(ids), BATCH):
        enqueue(deliver_task, ids[start:start + BATCH])


def _in_worker() -> bool:
    """Whether a Celery worker is running a task here (not a web request, not eager mode)."""
    from celery import current_task

    request = current_task.request if current_task else None
    return bool(request and request.id and not request.is_eager and not request.called_directly)


def due_sendings():
    """Sendings whose next step has come."""
    return Sending.objects.filter(status__in=Sending.OPEN, next_run_at__lte=timezone.now())


def dispatch_due(limit: int = 5000) -> int:
    """Enqueue every sending whose next step is due (periodic, per org)."""
    ids = list(due_sendings().order_by("next_run_at").values_list("pk", flat=True)[:limit])
    with transaction.atomic():
        dispatch(ids)
    return len(ids)


def record(sending: Sending, kind: str, **detail) -> None:
    SendingEvent.objects.create(sending=sending, kind=kind, status=sending.status, detail=detail)


def deliver(sending_ids) -> dict[str, int]:
    outcome: dict[str, int] = {}
    sender = SendingSettings.load()  # once per batch (this org's schema), not per sending
    for pk in sending_ids:
        result = run_due_step(pk, sender)
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


def run_due_step(sending_id, sender: SendingSettings | None = None) -> str:
    """Run the sending's next step if it is due; return what happened."""
    now = timezone.now()
    with transaction.atomic():
        sending = (Sending.objects.select_for_update(skip_locked=True, of=("self",))
                   .select_related("contact", "sequence")
                   .filter(pk=sending_id, status__in=Sending.OPEN, next_run_at__lte=now)
                   .first())
        if sending is None:
            return "not_due"
        steps = list(sending.sequence.steps.select_related("survey"))  # by position
        step = next((s for s in steps if s.position >= sending.next_position), None)
        if step is None:
            return _stop(sending, "no_more_steps")
        if sending.sequence.status != Sequence.Status.ACTIVE:
            return _stop(sending, f"sequence {sending.sequence.status}", cancel=True)
        if sending.contact.unsubscribed:
            return _stop(sending, "unsubscribed", cancel=True)
        if step.kind == Step.Kind.REMINDER and hasattr(sending, "response"):
            return _stop(sending, "answered")
        survey = next((s.survey for s in steps if s.kind == Step.Kind.SURVEY), None)
        org = connection.tenant
        try:
            if sender is None:
                sender = SendingSettings.load()
            message = build_email(org, sending, step, survey, sender.from_name, sender.reply_to)
            message.send()
        except MAIL_ERRORS as exc:
            metrics.inc("emails_failed", step_kind=step.kind)
            return _retry_later(sending, step, exc, now)
        metrics.inc("emails_sent", step_kind=step.kind)
        sending.attempts = 0
        if sending.status in (Sending.Status.PENDING, Sending.Status.SCHEDULED):
            sending.status = Sending.Status.SENT
            sending.sent_at = now
        _advance(sending, step, steps, now)
        record(sending, "email_sent", step=step.position, step_kind=step.kind, to=sending.contact.email,
               subject=message.subject, survey_url=survey_url(org, sending))
        return "sent"


def _advance(sending: Sending, step: Step, steps: list[Step], now) -> None:
    following = next((s for s in steps if s.position > step.position), None)
    if following is None:
        sending.next_run_at = None
        sending.next_position = step.position + 1
    else:
        sending.next_position = following.position
        sending.next_run_at = now + timedelta(hours=following.delay_hours)
    sending.save()


def _stop(sending: Sending, reason: str, cancel: bool = False) -> str:
    """No further steps; a sending not yet sent is cancelled."""
    sending.next_run_at = None
    if cancel and sending.status in (Sending.Status.PENDING, Sending.Status.SCHEDULED):
        sending.status = Sending.Status.CANCELLED
        sending.failure_reason = reason
    sending.save()
    record(sending, "stopped", reason=reason)
    return reason


def _retry_later(sending: Sending, step: Step, exc: Exception, now) -> str:
    sending.attempts += 1
    reason = f"{type(exc).__name__}: {exc}"[:500]
    if sending.attempts >= MAX_ATTEMPTS:
        sending.status = Sending.Status.FAILED
        sending.failure_reason = reason
        sending.next_run_at = None
        sending.save()
        record(sending, "failed", step=step.position, error=reason, attempts=sending.attempts)
        return "failed"
    sending.next_run_at = now + RETRY_BACKOFF[sending.attempts - 1]
    sending.save()
    record(sending, "retry", step=step.position, error=reason, attempts=sending.attempts,
           next_run_at=sending.next_run_at.isoformat())
    log.warning("mail to sending %s failed (attempt %s): %s", sending.pk, sending.attempts, reason)
    return "retry"
