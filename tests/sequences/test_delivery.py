"""Steps run at their time: survey email, reminder only without an answer, retries, stops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from host.contracts import TriggerContact
from host.trigger import enroll
from plugins.sequences.delivery import MAX_ATTEMPTS, dispatch_due, run_due_step
from plugins.sequences.models import Response, Sending, Sequence
from plugins.sequences.responses import record_response
from tests.sequences.factories import active_sequence
from tests.sequences.test_enrollment import req

pytestmark = pytest.mark.usefixtures("in_org_a")


def enrolled(email="ann@example.com", language="en", steps=(("survey", 0), ("reminder", 72))):
    sequence = active_sequence(steps=steps)
    enroll(req(sequence, TriggerContact(email=email, first_name="Ann",
                                        preferred_language=language)))
    return Sending.objects.select_related("contact").get(contact__email=email)


def make_due(sending):
    Sending.objects.filter(pk=sending.pk).update(next_run_at=timezone.now() - timedelta(seconds=1))


def test_survey_email_in_english_with_survey_and_unsubscribe_links(mailoutbox, org_a):
    sending = enrolled()
    assert run_due_step(sending.pk) == "sent"
    [mail] = mailoutbox
    assert mail.subject == "Org A wants your feedback"
    assert mail.to == ["ann@example.com"]
    assert mail.from_email.startswith("Org A <")
    assert f"http://org-a.localhost:8000/s/{sending.token}" in mail.body
    assert f"/s/{sending.token}/unsubscribe" in mail.body
    assert "Hi Ann!" in mail.body and "how likely are you to recommend us" in mail.body
    assert mail.extra_headers["List-Unsubscribe"].endswith(f"/s/{sending.token}/unsubscribe>")
    sending.refresh_from_db()
    assert sending.status == "sent" and sending.sent_at is not None
    assert sending.next_run_at > timezone.now() + timedelta(hours=71)  # the reminder
    assert list(sending.events.values_list("kind", flat=True)) == ["created", "email_sent"]


def test_french_contacts_get_french_email(mailoutbox):
    sending = enrolled(language="fr")
    run_due_step(sending.pk)
    assert mailoutbox[0].subject == "Org A aimerait avoir votre avis"
    assert "Bonjour Ann" in mailoutbox[0].body


def test_a_step_runs_once_even_if_dispatched_twice(mailoutbox):
    sending = enrolled()
    assert run_due_step(sending.pk) == "sent"
    assert run_due_step(sending.pk) == "not_due"
    assert len(mailoutbox) == 1


def test_reminder_goes_out_only_without_an_answer(mailoutbox):
    answered, silent = enrolled("a@example.com"), enrolled("s@example.com")
    for s in (answered, silent):
        run_due_step(s.pk)
    record_response(answered, 9)
    for s in (answered, silent):
        make_due(s)
        run_due_step(s.pk)
    subjects = [(m.to[0], m.subject) for m in mailoutbox]
    assert ("s@example.com", "Reminder: Org A wants your feedback") in subjects
    assert not any(to == "a@example.com" and "Reminder" in subj for to, subj in subjects)


def test_unsubscribed_contacts_are_never_sent_to(mailoutbox):
    sending = enrolled()
    sending.contact.unsubscribed = True
    sending.contact.save()
    assert run_due_step(sending.pk) == "unsubscribed"
    sending.refresh_from_db()
    assert sending.status == "cancelled" and not mailoutbox


def test_pausing_a_sequence_skips_later_steps(mailoutbox):
    sending = enrolled()
    run_due_step(sending.pk)
    Sequence.objects.filter(pk=sending.sequence_id).update(status="paused")
    make_due(sending)
    assert run_due_step(sending.pk) == "sequence paused"
    sending.refresh_from_db()
    assert sending.status == "sent" and sending.next_run_at is None
    assert len(mailoutbox) == 1


def test_delayed_steps_wait_in_the_database_until_due(mailoutbox):
    sending = enrolled(steps=(("survey", 48),))
    assert dispatch_due() == 0
    assert run_due_step(sending.pk) == "not_due"
    make_due(sending)
    assert dispatch_due() == 1


def test_smtp_failures_retry_with_backoff_then_fail_with_the_reason(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    sending = enrolled()
    assert run_due_step(sending.pk) == "retry"
    sending.refresh_from_db()
    assert sending.status == "pending" and sending.attempts == 1
    first_wait = sending.next_run_at - timezone.now()
    assert timedelta(seconds=50) < first_wait <= timedelta(minutes=1)
    for _ in range(MAX_ATTEMPTS - 1):
        make_due(sending)
        run_due_step(sending.pk)
    sending.refresh_from_db()
    assert sending.status == "failed"
    assert "ConnectionRefusedError" in sending.failure_reason
    kinds = list(sending.events.values_list("kind", flat=True))
    assert kinds.count("retry") == MAX_ATTEMPTS - 1 and kinds[-1] == "failed"
    assert not Response.objects.exists()


def _enroll_many(count: int, monkeypatch, in_worker: bool):
    """Enroll ``count`` contacts as a worker task (or a web request) would; the deliver tasks
    it enqueued."""
    from plugins.sequences import delivery

    queued = []
    monkeypatch.setattr(delivery, "_in_worker", lambda: in_worker)
    monkeypatch.setattr(delivery, "enqueue", lambda task, ids: queued.append(ids))
    sequence = active_sequence(steps=(("survey", 0),))
    enroll(req(sequence, *[TriggerContact(email=f"c{n}@example.com") for n in range(count)]))
    return queued


def test_a_worker_sends_the_few_emails_it_enrolled_right_after_its_commit(
        mailoutbox, monkeypatch, django_capture_on_commit_callbacks):
    from plugins.sequences.delivery import INLINE_MAX

    with django_capture_on_commit_callbacks(execute=True):
        queued = _enroll_many(INLINE_MAX, monkeypatch, in_worker=True)
        assert mailoutbox == []  # not before the enrollment is committed
    assert queued == []  # no second trip through the broker
    assert len(mailoutbox) == INLINE_MAX
    assert set(Sending.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.parametrize(("count", "in_worker"), [(11, True), (1, False)],
                         ids=["more than a few", "from the web"])
def test_larger_or_web_enrollments_go_through_the_delivery_queue(
        count, in_worker, mailoutbox, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = _enroll_many(count, monkeypatch, in_worker=in_worker)
    assert [len(ids) for ids in queued] == [count] and mailoutbox == []


def test_outside_a_worker_task_nothing_is_delivered_inline():
    from plugins.sequences.delivery import _in_worker

    assert _in_worker() is False  # a test, a web request or a shell
