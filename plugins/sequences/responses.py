"""Recording answers and unsubscribes from the public survey pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from host.scores import report_score
from plugins.sequences.delivery import record
from plugins.sequences.models import Response, Sending


def record_response(sending: Sending, score: int, comment: str = "",
                    survey=None) -> tuple[Response, bool]:
    """Record the first answer of a sending; later ones return the first. ``(response, created)``.
    ``survey`` is the sequence's survey when the caller has it already."""
    with transaction.atomic():
        locked = Sending.objects.select_for_update().select_related("contact", "sequence").get(
            pk=sending.pk)
        existing = Response.objects.filter(sending=locked).first()
        if existing is not None:
            return existing, False
        survey = survey or locked.sequence.survey
        if survey is None or score not in survey.scale:
            raise ValidationError("Choose a score on the scale.")
        response = Response.objects.create(sending=locked, survey=survey, contact=locked.contact,
                                           score=score, comment=comment.strip()[:5000])
        locked.status = Sending.Status.COMPLETED
        locked.completed_at = timezone.now()
        locked.opened_at = locked.opened_at or locked.completed_at
        locked.next_run_at = None
        locked.save()
        record(locked, "response", score=score, survey_kind=survey.kind)

        def report() -> None:
            report_score(response_id=response.pk, contact_id=locked.contact_id,
                         kind=survey.kind, score=score, answered_at=response.answered_at)

        # robust: the answer is saved; a failure to fan out must not turn into an error page.
        transaction.on_commit(report, robust=True)
    return response, True


def mark_opened(sending: Sending) -> None:
    """The contact opened the survey link: the first time only (one UPDATE, no lock)."""
    if sending.opened_at is None:
        sending.opened_at = timezone.now()
        Sending.objects.filter(pk=sending.pk, opened_at__isnull=True).update(
            opened_at=sending.opened_at)


@transaction.atomic
def unsubscribe(sending: Sending) -> None:
    contact = sending.contact
    if not contact.unsubscribed:
        contact.unsubscribed = True
        contact.unsubscribed_at = timezone.now()
        contact.save(update_fields=["unsubscribed", "unsubscribed_at", "updated_at"])
    cancel_open(Sending.objects.filter(contact=contact), "unsubscribed")


def cancel_open(sendings, reason: str) -> int:
    """Cancel sendings not yet sent and stop the rest; one event each."""
    from plugins.sequences.models import SendingEvent

    rows = list(sendings.select_for_update().filter(status__in=Sending.OPEN))
    now = timezone.now()
    for s in rows:
        s.updated_at = now
        if s.status != Sending.Status.SENT:
            s.status = Sending.Status.CANCELLED
            s.failure_reason = reason
        s.next_run_at = None
    Sending.objects.bulk_update(rows, ["status", "failure_reason", "next_run_at", "updated_at"])
    SendingEvent.objects.bulk_create([SendingEvent(sending=s, kind="stopped", status=s.status,
                                                   detail={"reason": reason}) for s in rows])
    return len(rows)
