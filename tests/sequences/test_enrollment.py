"""The one enrollment service: validation, contacts by email, skips with reasons, idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from host.contracts import EnrollmentError, TriggerContact, TriggerRequest
from host.models import Contact
from host.trigger import enroll
from plugins.sequences.models import Sending, SendingSettings, Sequence
from tests.sequences.factories import SequenceFactory, active_sequence

pytestmark = pytest.mark.usefixtures("in_org_a")


def req(sequence, *contacts, source="api", reference="", key=""):
    return TriggerRequest(sequence_id=sequence.pk, source=source, reference=reference,
                          idempotency_key=key, contacts=list(contacts))


def test_enrolls_new_and_existing_contacts_matched_by_normalized_email():
    sequence = active_sequence()
    existing = Contact.objects.create(email="ann@example.com", first_name="Ann")
    result = enroll(req(sequence, TriggerContact(email="  ANN@Example.com ", last_name="Lee"),
                        TriggerContact(email="new@example.com", first_name="Neo",
                                       preferred_language="fr")))
    assert [o.status for o in result.outcomes] == ["queued", "queued"]
    assert result.sendings_created == 2
    assert result.sequence_name == sequence.name
    existing.refresh_from_db()
    assert existing.last_name == "Lee" and existing.first_name == "Ann"
    assert Contact.objects.get(email="new@example.com").preferred_language == "fr"
    assert Contact.objects.count() == 2
    sending = Sending.objects.get(contact=existing)
    assert sending.status == "pending" and sending.source == "api"
    assert list(sending.events.values_list("kind", flat=True)) == ["created"]


@pytest.mark.parametrize("status", ["draft", "paused", "archived"])
def test_only_active_sequences_enroll(status):
    sequence = active_sequence()
    Sequence.objects.filter(pk=sequence.pk).update(status=status)
    with pytest.raises(EnrollmentError) as exc:
        enroll(req(sequence, TriggerContact(email="a@example.com")))
    assert exc.value.code == "sequence_not_active"
    assert not Sending.objects.exists() and not Contact.objects.exists()


def test_a_sequence_without_steps_cannot_be_activated_or_enroll():
    sequence = SequenceFactory()
    with pytest.raises(ValidationError, match="no steps"):
        sequence.set_status("active")
    Sequence.objects.filter(pk=sequence.pk).update(status="active")
    with pytest.raises(EnrollmentError) as exc:
        enroll(req(sequence, TriggerContact(email="a@example.com")))
    assert exc.value.code == "sequence_has_no_steps"


def test_unknown_sequence_is_refused():
    import uuid

    with pytest.raises(EnrollmentError) as exc:
        enroll(TriggerRequest(sequence_id=uuid.uuid4(), source="api",
                              contacts=[TriggerContact(email="a@example.com")]))
    assert exc.value.code == "sequence_not_found"


def test_skips_come_with_machine_readable_reasons():
    sequence = active_sequence()
    Contact.objects.create(email="gone@example.com", unsubscribed=True)
    no_email = Contact.objects.create(email="", first_name="Nomail")
    result = enroll(req(sequence,
                        TriggerContact(email="not-an-email"),
                        TriggerContact(email=""),
                        TriggerContact(email="gone@example.com"),
                        TriggerContact(contact_id=no_email.pk),
                        TriggerContact(email="ok@example.com"),
                        TriggerContact(email="OK@example.com")))
    assert [(o.status, o.reason) for o in result.outcomes] == [
        ("skipped", "invalid_email"), ("skipped", "missing_email"), ("skipped", "unsubscribed"),
        ("skipped", "missing_email"), ("queued", ""), ("skipped", "duplicate_in_request"),
    ]
    assert Sending.objects.count() == 1


def test_cooldown_skips_recently_surveyed_contacts_and_zero_disables_it():
    sequence = active_sequence()
    enroll(req(sequence, TriggerContact(email="a@example.com")))
    settings = SendingSettings.load()
    settings.cooldown_days = 30
    settings.save()
    result = enroll(req(sequence, TriggerContact(email="a@example.com"),
                        TriggerContact(email="b@example.com")))
    assert [(o.status, o.reason) for o in result.outcomes] == [
        ("skipped", "cooldown"), ("queued", "")]
    Sending.objects.filter(contact__email="a@example.com").update(
        created_at=timezone.now() - timedelta(days=31))
    assert enroll(req(sequence, TriggerContact(email="a@example.com"))).sendings_created == 1
    settings.cooldown_days = 0
    settings.save()
    assert enroll(req(sequence, TriggerContact(email="b@example.com"))).sendings_created == 1


def test_same_contact_sequence_and_reference_never_makes_two_sendings():
    sequence = active_sequence()
    first = enroll(req(sequence, TriggerContact(email="a@example.com"), source="auto",
                       reference="006000000000001AAA"))
    again = enroll(req(sequence, TriggerContact(email="a@example.com"), source="auto",
                       reference="006000000000001AAA"))
    assert first.sendings_created == 1
    assert [(o.status, o.reason) for o in again.outcomes] == [("skipped", "already_enrolled")]
    other_ref = enroll(req(sequence, TriggerContact(email="a@example.com"), source="auto",
                           reference="006000000000002AAA"))
    assert other_ref.sendings_created == 1


def test_without_a_reference_each_call_is_a_new_enrollment():
    sequence = active_sequence()
    enroll(req(sequence, TriggerContact(email="a@example.com")))
    assert enroll(req(sequence, TriggerContact(email="a@example.com"))).sendings_created == 1


def test_delayed_first_step_is_scheduled():
    sequence = active_sequence(steps=(("survey", 24),))
    enroll(req(sequence, TriggerContact(email="a@example.com")))
    sending = Sending.objects.get()
    assert sending.status == "scheduled"
    assert sending.next_run_at > timezone.now() + timedelta(hours=23)


def test_enrollment_dispatches_only_after_commit(django_capture_on_commit_callbacks):
    sequence = active_sequence()
    with django_capture_on_commit_callbacks() as callbacks:
        enroll(req(sequence, *[TriggerContact(email=f"p{i}@example.com") for i in range(250)]))
    assert len(callbacks) == 3  # 250 sendings, batches of 100


def test_query_count_grows_with_batches_not_contacts():
    sequence = active_sequence()
    counts = []
    for n in (10, 1000):
        contacts = [TriggerContact(email=f"n{n}-{i}@example.com") for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            assert enroll(req(sequence, *contacts)).sendings_created == n
        counts.append(len(ctx.captured_queries))
    assert counts[1] <= counts[0] + 2
