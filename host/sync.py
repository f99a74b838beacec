"""Contact sync: the host runs a plugin's ``sync_contacts`` pages and persists them in bulk."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from host import hooks
from host.contracts import Capability, ContactPage, ExternalContact, SyncPaused
from host.integrations import get_connection, get_integration, is_enabled
from host.models import Contact, ExternalLink, IntegrationConnection, SyncRun, normalize_email
from host.signals import contacts_unlinked
from host.sync_lease import LeaseLost, acquire, lease_length, new_owner, release, renew
from host.tasking import enqueue

log = logging.getLogger(__name__)

CONTACT_FIELDS = ("first_name", "last_name", "phone", "title", "company")
MAX_LENGTHS = {name: Contact._meta.get_field(name).max_length for name in CONTACT_FIELDS}


class SyncNotPossible(Exception):
    """Why a sync cannot start now (shown to the admin)."""


@dataclass
class PageCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    unlinked: list = field(default_factory=list)


def start_run(provider: str, trigger: str = "manual") -> SyncRun:
    """Create the run row (refusing a second concurrent run) before the task is enqueued."""
    integration = get_integration(provider)
    if not integration.has(Capability.SYNC):
        raise SyncNotPossible(f"{integration.info.name} does not sync contacts.")
    if not is_enabled(provider):
        raise SyncNotPossible(f"{integration.info.name} is not enabled for this organization.")
    conn = get_connection(provider)
    if conn.status != IntegrationConnection.Status.CONNECTED:
        raise SyncNotPossible(
            f"{integration.info.name} is {conn.get_status_display().lower()}: "
            "connect it before syncing."
        )
    paused_until = conn.settings.get("sync_paused_until")
    if paused_until and datetime.fromisoformat(paused_until) > timezone.now():
        raise SyncNotPossible(
            f"{integration.info.name}'s API limit was reached; sync resumes after "
            f"{datetime.fromisoformat(paused_until):%Y-%m-%d %H:%M} UTC.")
    try:
        with transaction.atomic():
            # Not leased yet: if no task ever takes it (the broker was down), the sweeper resumes
            # it once the lease time passed (host.sync_lease).
            return SyncRun.objects.create(
                connection=conn, trigger=trigger, full=not conn.sync_checkpoint,
                lease_expires_at=timezone.now() + lease_length(),
            )
    except IntegrityError:
        raise SyncNotPossible("A sync is already running; wait for it to finish.") from None


def execute_run(run_id: int) -> SyncRun:
    """Run a started sync to its end, saving each page and its checkpoint together.

    Under the run's lease (``host.sync_lease``): a second delivery of the same run does nothing
    while the first is alive; a resumed run continues from the connection's checkpoint.
    """
    run = SyncRun.objects.select_related("connection").get(pk=run_id)
    if run.status != SyncRun.Status.RUNNING:
        return run
    owner = new_owner()
    if not acquire(run.pk, owner):
        log.info("sync %s is leased by another execution; this delivery does nothing", run.pk)
        return run
    conn = run.connection
    try:
        pages = hooks.integration(conn.provider).sync_contacts(
            connection=conn, checkpoint=dict(conn.sync_checkpoint))
        for page in pages:
            persist_page(conn, run, page, owner=owner)
    except LeaseLost:
        log.warning("sync %s was taken over by another execution; this one stops", run.pk)
        run.refresh_from_db()
        return run
    except SoftTimeLimitExceeded:
        from host.tasks import run_sync_task

        log.warning("sync %s reached its time limit; it continues in a new task", run.pk)
        release(run.pk, owner)
        enqueue(run_sync_task, run.pk)
        run.refresh_from_db()
        return run
    except SyncPaused as exc:
        if exc.resume_after:
            until = exc.resume_after.isoformat()
            conn.update_settings(lambda values: values.update(sync_paused_until=until))
        return _finish(run, SyncRun.Status.PAUSED, exc.reason, owner)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the run
        log.exception("sync %s failed", run.pk)
        return _finish(run, SyncRun.Status.FAILED, f"{type(exc).__name__}: {exc}", owner)
    return _finish(run, SyncRun.Status.SUCCEEDED, "", owner)


def _finish(run: SyncRun, status: str, error: str, owner: str) -> SyncRun:
    """A succeeded run did all there was (exact total) and keeps its notes (``page.note``)."""
    if status == SyncRun.Status.SUCCEEDED:
        done = {"total": F("processed"), **({"error": error[:2000]} if error else {})}
    else:
        done = {"error": error[:2000]}
    SyncRun.objects.filter(pk=run.pk, lease_owner=owner).update(
        status=status, finished_at=timezone.now(), lease_owner="", **done)
    run.refresh_from_db()
    return run


@transaction.atomic
def persist_page(conn: IntegrationConnection, run: SyncRun, page: ContactPage,
                 owner: str | None = None) -> PageCounts:
    if owner is not None:
        renew(run.pk, owner)  # first: a page is written only by the lease holder
    counts = apply_contacts(conn.provider, page.contacts)
    if counts.unlinked:
        contacts_unlinked.send(sender=persist_page, provider=conn.provider,
                               contact_ids=counts.unlinked)
    IntegrationConnection.objects.filter(pk=conn.pk).update(sync_checkpoint=page.checkpoint)
    conn.sync_checkpoint = page.checkpoint
    run.processed += len(page.contacts)
    run.created += counts.created
    run.updated += counts.updated
    run.deleted += counts.deleted
    run.skipped += counts.skipped
    run.api_calls += page.api_calls
    if page.total is not None:
        run.total = max(page.total, run.processed)
    fields = ["processed", "created", "updated", "deleted", "skipped", "api_calls", "total"]
    if page.note:
        run.error = page.note[:2000]
        fields.append("error")
    run.save(update_fields=fields)
    return counts


def apply_contacts(provider: str, records: list[ExternalContact]) -> PageCounts:
    """Upsert one page: by external id first, then by normalized email; a constant query count."""
    counts = PageCounts()
    live = [r for r in records if not r.deleted]
    gone = [r for r in records if r.deleted]
    links = {
        link.external_id: link
        for link in ExternalLink.objects.select_related("contact").filter(
            provider=provider, external_id__in=[r.external_id for r in records]
        )
    }
    _apply_deletions(provider, gone, links, counts)

    emails = {normalize_email(r.email) for r in live} - {""}
    by_email = {c.email: c for c in Contact.objects.filter(email__in=emails)}
    linked_contact_ids = set(
        ExternalLink.objects.filter(provider=provider, contact__email__in=emails)
        .values_list("contact_id", flat=True)
    )
    to_update: dict = {}
    new_links: list[ExternalLink] = []
    new_contacts: list[Contact] = []
    for record in live:
        email = normalize_email(record.email)
        link = links.get(record.external_id)
        if link is not None and record.modified_at is not None \
                and link.external_modified_at == record.modified_at:
            continue  # seen already (incremental overlap): nothing to write
        if link is not None:
            contact = link.contact
            if email and email != contact.email and email not in by_email:
                by_email.pop(contact.email, None)
                contact.email = email
                by_email[email] = contact
            _copy_fields(contact, record)
            link.external_modified_at = record.modified_at
            link.data = record.data
            to_update[contact.pk] = contact
            counts.updated += 1
            continue
        contact = by_email.get(email) if email else None
        if contact is not None and contact.pk in linked_contact_ids:
            counts.skipped += 1  # another record of this CRM already owns that email
            continue
        if contact is None:
            contact = Contact(email=email)
            new_contacts.append(contact)
            if email:
                by_email[email] = contact
            counts.created += 1
        else:
            to_update[contact.pk] = contact
            counts.updated += 1
        linked_contact_ids.add(contact.pk)
        _copy_fields(contact, record)
        new_links.append(ExternalLink(
            contact=contact, provider=provider, external_id=record.external_id,
            external_modified_at=record.modified_at, data=record.data,
        ))
    Contact.objects.bulk_create(new_contacts, batch_size=1000)
    new_ids = {c.pk for c in new_contacts}
    Contact.objects.bulk_update(
        [c for pk, c in to_update.items() if pk not in new_ids],
        ["email", *CONTACT_FIELDS, "updated_at"], batch_size=1000,
    )
    ExternalLink.objects.bulk_create(new_links, batch_size=1000)
    ExternalLink.objects.bulk_update(
        [links[r.external_id] for r in live if r.external_id in links
         and links[r.external_id].contact_id in to_update],
        ["external_modified_at", "data"], batch_size=1000,
    )
    return counts


def _apply_deletions(provider, gone, links, counts: PageCounts) -> None:
    survivors = {
        link.external_id
        for link in ExternalLink.objects.filter(
            provider=provider, external_id__in=[r.merged_into for r in gone if r.merged_into]
        )
    }
    unlink = []
    for record in gone:
        link = links.pop(record.external_id, None)
        if link is None:
            continue
        counts.deleted += 1
        if record.merged_into and record.merged_into not in survivors:
            # The merged-away record's contact follows the surviving record (merges are rare).
            link.external_id = record.merged_into
            link.save(update_fields=["external_id", "updated_at"])
            survivors.add(record.merged_into)
        else:
            counts.unlinked.append(link.contact_id)
            unlink.append(link.pk)
    if unlink:
        ExternalLink.objects.filter(pk__in=unlink).delete()


def _copy_fields(contact: Contact, record: ExternalContact) -> None:
    for name in CONTACT_FIELDS:
        value = (getattr(record, name) or "")[: MAX_LENGTHS[name]]
        setattr(contact, name, value)
    contact.updated_at = timezone.now()
