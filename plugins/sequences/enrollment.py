"""The one enrollment service behind every entry point (manual queue, webhooks, REST execute).

Bulk all the way: the number of queries grows with N/1000, not N. Idempotent per contact +
sequence + source reference, also under concurrent calls (a unique key with ON CONFLICT DO
NOTHING decides). Sendings are dispatched to Celery only after the transaction commits.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from host.contracts import (
    EnrollmentError,
    EnrollmentOutcome,
    EnrollmentResult,
    TriggerContact,
    TriggerRequest,
)
from host.models import Contact, normalize_email
from plugins.sequences.models import Sending, SendingEvent, SendingSettings, Sequence

CHUNK = 1000
UPDATABLE = ("first_name", "last_name", "phone", "title")
UPDATABLE_IDS = ("location_id", "contact_organization_id")
MAX_LENGTHS = {name: Contact._meta.get_field(name).max_length for name in UPDATABLE}


def chunks(items, size=CHUNK):
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def idempotency_key(contact_id, sequence_id, source: str, reference: str, client_key: str) -> str:
    """Deterministic when the caller names the trigger (a reference or a client key)."""
    if not reference and not client_key:
        return uuid.uuid4().hex
    raw = f"{contact_id}|{sequence_id}|{source}|{reference}|{client_key}"
    return hashlib.sha256(raw.encode()).hexdigest()


def load_active_sequence(sequence_id) -> Sequence:
    try:
        sequence = Sequence.objects.get(pk=sequence_id)
    except (Sequence.DoesNotExist, ValueError, TypeError):
        raise EnrollmentError("sequence_not_found", "Sequence not found.") from None
    if sequence.status != Sequence.Status.ACTIVE:
        raise EnrollmentError(
            "sequence_not_active",
            f"Sequence '{sequence.name}' is {sequence.status}; only active sequences can enroll.",
        )
    steps = list(sequence.steps.all())
    if not steps:
        raise EnrollmentError("sequence_has_no_steps", f"Sequence '{sequence.name}' has no steps.")
    sequence.first_step = steps[0]
    return sequence


def enroll(request: TriggerRequest) -> EnrollmentResult:
    """The ``trigger_enroll`` hook: the host calls it in a savepoint of its own (``host.trigger``),
    so a refusal or a failure leaves nothing behind without a second savepoint here."""
    sequence = load_active_sequence(request.sequence_id)
    now = timezone.now()
    outcomes: list[EnrollmentOutcome | None] = [None] * len(request.contacts)
    contacts = _resolve_contacts(request.contacts, outcomes)
    cooldown = SendingSettings.load().cooldown_days
    recent = _recently_surveyed(contacts.values(), now - timedelta(days=cooldown)) if cooldown else set()

    seen: set = set()
    planned: list[tuple[int, Sending]] = []
    first = sequence.first_step
    run_at = now + timedelta(hours=first.delay_hours)
    for index, contact in contacts.items():
        if contact.unsubscribed:
            outcomes[index] = _skip(contact, "unsubscribed")
        elif contact.pk in recent:
            outcomes[index] = _skip(contact, "cooldown")
        elif contact.pk in seen:
            outcomes[index] = _skip(contact, "duplicate_in_request")
        else:
            seen.add(contact.pk)
            planned.append((index, Sending(
                contact=contact, sequence=sequence, source=request.source,
                reference=request.reference[:255], provider=request.provider,
                idempotency_key=idempotency_key(contact.pk, sequence.pk, request.source,
                                                request.reference, request.idempotency_key),
                status=Sending.Status.SCHEDULED if first.delay_hours else Sending.Status.PENDING,
                next_position=first.position, next_run_at=run_at,
            )))

    created_ids = _insert_sendings([s for _, s in planned])
    for index, sending in planned:
        if sending.pk in created_ids:
            outcomes[index] = EnrollmentOutcome(
                email=sending.contact.email, contact_id=sending.contact.pk, status="queued",
                sending_id=sending.pk)
        else:
            outcomes[index] = _skip(sending.contact, "already_enrolled")
    SendingEvent.objects.bulk_create(
        [SendingEvent(sending_id=s.pk, kind="created", status=s.status,
                      detail={"source": s.source, "reference": s.reference})
         for _, s in planned if s.pk in created_ids],
        batch_size=CHUNK,
    )
    due_now = [s.pk for _, s in planned if s.pk in created_ids and s.next_run_at <= now]
    if due_now:
        from plugins.sequences.delivery import dispatch

        dispatch(due_now)
    return EnrollmentResult(sequence_id=sequence.pk, sequence_name=sequence.name,
                            outcomes=[o for o in outcomes if o is not None])


def _skip(contact, reason) -> EnrollmentOutcome:
    return EnrollmentOutcome(email=contact.email or None, contact_id=contact.pk,
                             status="skipped", reason=reason)


def _resolve_contacts(items: list[TriggerContact], outcomes) -> dict[int, Contact]:
    """Find or create each contact (by id, else by normalized email); record skips in outcomes."""
    by_id_wanted = {i: item.contact_id for i, item in enumerate(items) if item.contact_id}
    by_id = {}
    for batch in chunks(list(set(by_id_wanted.values()))):
        by_id.update({c.pk: c for c in Contact.objects.filter(pk__in=batch)})

    emails = {}
    for i, item in enumerate(items):
        if item.contact_id:
            continue
        email = normalize_email(item.email)
        if not email:
            reason = "invalid_email" if (item.email or "").strip() else "missing_email"
            outcomes[i] = EnrollmentOutcome(email=item.email or None, contact_id=None,
                                            status="skipped", reason=reason)
        else:
            emails[i] = email
    existing = _contacts_by_email(set(emails.values()))
    missing = {e for e in emails.values() if e not in existing}
    if missing:
        fresh = {}
        for i, email in emails.items():
            if email in missing and email not in fresh:
                fresh[email] = _new_contact(email, items[i])
        Contact.objects.bulk_create(fresh.values(), batch_size=CHUNK, ignore_conflicts=True)
        existing.update(_contacts_by_email(missing))  # includes rows a concurrent call made

    changed = {}
    resolved: dict[int, Contact] = {}
    for i, email in emails.items():
        contact = existing[email]
        if _apply_details(contact, items[i]):
            changed[contact.pk] = contact
        resolved[i] = contact
    if changed:
        Contact.objects.bulk_update(changed.values(), [*UPDATABLE, *UPDATABLE_IDS,
                                                       "preferred_language",
                                                       "custom_fields", "tags", "updated_at"],
                                    batch_size=CHUNK)
    for i, contact_id in by_id_wanted.items():
        contact = by_id.get(contact_id)
        if contact is None:
            outcomes[i] = EnrollmentOutcome(email=None, contact_id=contact_id, status="skipped",
                                            reason="contact_not_found")
        elif not contact.email:
            outcomes[i] = _skip(contact, "missing_email")
        else:
            resolved[i] = contact
    return dict(sorted(resolved.items()))


def _contacts_by_email(emails: set[str]) -> dict[str, Contact]:
    found = {}
    for batch in chunks(list(emails)):
        found.update({c.email: c for c in Contact.objects.filter(email__in=batch)})
    return found


def _new_contact(email: str, item: TriggerContact) -> Contact:
    contact = Contact(email=email)
    _apply_details(contact, item)
    return contact


def _apply_details(contact: Contact, item: TriggerContact) -> bool:
    """Copy the details the caller gave (non-empty ones); return whether anything changed."""
    changed = False
    for name in UPDATABLE:
        value = (getattr(item, name) or "").strip()
        if value and value != getattr(contact, name):
            setattr(contact, name, value[: MAX_LENGTHS[name]])
            changed = True
    language = item.preferred_language
    if language in dict(settings.LANGUAGES) and language != contact.preferred_language:
        contact.preferred_language = language
        changed = True
    for name in UPDATABLE_IDS:
        value = getattr(item, name)
        if value is not None and value != getattr(contact, name):
            setattr(contact, name, value)
            changed = True
    if item.custom_fields:
        merged = {**contact.custom_fields, **item.custom_fields}
        if merged != contact.custom_fields:
            contact.custom_fields = merged
            changed = True
    if item.tags is not None and list(item.tags) != contact.tags:
        contact.tags = list(item.tags)
        changed = True
    if changed:
        contact.updated_at = timezone.now()
    return changed


def _recently_surveyed(contacts, since) -> set:
    ids = [c.pk for c in contacts]
    recent = set()
    for batch in chunks(ids):
        rows = (Sending.objects.filter(contact_id__in=batch)
                .exclude(status=Sending.Status.CANCELLED)
                .values("contact_id").annotate(last=Max("created_at"))
                .filter(last__gte=since).values_list("contact_id", flat=True))
        recent.update(rows)
    return recent


def _insert_sendings(sendings: list[Sending]) -> set:
    """INSERT ... ON CONFLICT DO NOTHING; return the ids of the rows this call created."""
    Sending.objects.bulk_create(sendings, batch_size=CHUNK, ignore_conflicts=True)
    ours = {s.idempotency_key: s.pk for s in sendings}
    created = set()
    for batch in chunks(list(ours)):
        for key, pk in Sending.objects.filter(idempotency_key__in=batch).values_list(
                "idempotency_key", "id"):
            if ours[key] == pk:
                created.add(pk)
    return created
