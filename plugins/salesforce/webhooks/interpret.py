"""Turning stored Closed Won events into triggers, or ignore reasons the admin can act on.

A webhook is a notification, not the truth: whoever knows a secret can post anything. So each
opportunity is re-read from the org's connected Salesforce (one SOQL query per batch of events)
and only a contact Salesforce says belongs to it is enrolled. The payload's ``contact_id`` /
``contact_email`` only *selects* among those contacts; it never adds a recipient.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from simple_salesforce.format import format_soql

from host.contracts import NeedsReconnect, TriggerContact, TriggerDecision, TriggerRequest
from host.models import ExternalLink, normalize_email
from host.sync import apply_contacts
from host.trigger import AUTO, BOTH, trigger_mode
from plugins.salesforce import ids

KEY = "salesforce"
# The exact reasons shown in the event log (the host adds "disconnected" and "needs reconnect").
MODE_MANUAL = "trigger mode is manual"
NO_SEQUENCE = "no sequence selected"
NOT_WON = "opportunity not won"  # the sender itself says so
NOT_FOUND = "opportunity not found in Salesforce"
NOT_WON_IN_SALESFORCE = "opportunity not won in Salesforce"
NO_CONTACT = "no contact with an email"
NEEDS_RECONNECT = "needs reconnect"
LOOKUP_FAILED = "Salesforce lookup failed"

CONTACT = ("Contact.Id, Contact.Email, Contact.FirstName, Contact.LastName, Contact.Phone, "
           "Contact.Title, Contact.Account.Name, Contact.Owner.Name, Contact.SystemModstamp")
# One round trip for a whole batch: the opportunities, their contact roles (primary first, then
# the oldest) and Opportunity.ContactId, with the contact fields a sync would store.
OPPORTUNITIES = (
    f"SELECT Id, IsWon, ContactId, {CONTACT}, "  # noqa: S608  # nosec B608 - constant fields
    f"(SELECT ContactId, IsPrimary, {CONTACT} FROM OpportunityContactRoles "
    "ORDER BY IsPrimary DESC, CreatedDate ASC) "
    "FROM Opportunity WHERE Id IN {}"
)


def interpret(connection, event) -> TriggerDecision:
    """The trigger for one stored event, or why it is ignored (see ``interpret_batch``)."""
    return interpret_batch(connection, [event])[0]


def interpret_batch(connection, events) -> list[TriggerDecision]:
    """One decision per event, in order, after one Salesforce query for all of them.

    Transient Salesforce failures (network, 5xx, 429) propagate: the events stay pending and the
    sweeper retries them. Other Salesforce errors are recorded as an ignore reason (replayable).
    """
    from plugins.salesforce.errors import SalesforceError

    if trigger_mode(connection) not in (AUTO, BOTH):
        return [TriggerDecision(ignored_reason=MODE_MANUAL) for _ in events]
    sequence_id = connection.settings.get("auto_sequence_id")
    if not sequence_id:
        return [TriggerDecision(ignored_reason=NO_SEQUENCE) for _ in events]
    wanted = sorted({ids.canonical(e.payload.get("opportunity_id")) for e in events
                     if e.payload.get("is_won")} - {None})
    try:
        found = _opportunities(connection, wanted)
    except NeedsReconnect:
        return [TriggerDecision(ignored_reason=NEEDS_RECONNECT) for _ in events]
    except SalesforceError as exc:
        if exc.retryable:
            raise
        reason = f"{LOOKUP_FAILED}: {exc.message}"[:255]
        return [TriggerDecision(ignored_reason=reason) for _ in events]
    return [_decide(event.payload, found, sequence_id) for event in events]


def _opportunities(connection, wanted: list[str]) -> dict[str, dict]:
    if not wanted:
        return {}
    from plugins.salesforce.client import SalesforceClient

    rows = SalesforceClient(connection).query(format_soql(OPPORTUNITIES, wanted))["records"]
    return {ids.canonical(row["Id"]): row for row in rows}


def _decide(payload: dict, found: dict[str, dict], sequence_id: str) -> TriggerDecision:
    if not payload.get("is_won"):
        return TriggerDecision(ignored_reason=NOT_WON)
    opportunity = found.get(ids.canonical(payload.get("opportunity_id")))
    if opportunity is None:
        return TriggerDecision(ignored_reason=NOT_FOUND)
    if opportunity.get("IsWon") is not True:
        return TriggerDecision(ignored_reason=NOT_WON_IN_SALESFORCE)
    contact = _resolve(payload, opportunity)
    if contact is None:
        return TriggerDecision(ignored_reason=NO_CONTACT)
    return TriggerDecision(request=TriggerRequest(
        sequence_id=sequence_id, source="auto", provider=KEY,
        reference=payload["opportunity_id"], contacts=[contact],
    ))


def _resolve(payload: dict, opportunity: dict) -> TriggerContact | None:
    """The first contact with an email among: the one the payload names (by id, else by email)
    if Salesforce lists it on the opportunity; the primary contact role; ``Opportunity.ContactId``;
    the oldest other role."""
    roles = [r.get("Contact") for r in (opportunity.get("OpportunityContactRoles") or {}).get(
        "records", [])]
    primary = roles[:1] if roles and (opportunity["OpportunityContactRoles"]["records"][0]
                                      .get("IsPrimary")) else []
    known = [c for c in [*roles, opportunity.get("Contact")] if c and c.get("Id")]
    hint_id, hint_email = payload.get("contact_id"), normalize_email(payload.get("contact_email"))
    hinted = [c for c in known if ids.same(c["Id"], hint_id)] or \
        [c for c in known if hint_email and normalize_email(c.get("Email")) == hint_email]
    fallback = [*primary, opportunity.get("Contact"), *roles]
    for record in [*hinted[:1], *fallback]:
        if record and record.get("Id") and normalize_email(record.get("Email")):
            local = _local(record)
            if local is not None:
                return local
    return None


def _local(record: dict) -> TriggerContact | None:
    """The platform's contact linked to this Salesforce contact, synced in if it is new."""
    from plugins.salesforce.contacts import to_external_contact

    link = _link(record["Id"])
    if link is None or not link.contact.email:
        try:
            with transaction.atomic():
                apply_contacts(KEY, [to_external_contact(record)])
        except IntegrityError:  # another worker synced the same contact first: now it exists
            with transaction.atomic():
                apply_contacts(KEY, [to_external_contact(record)])
        link = _link(record["Id"])
    return TriggerContact(contact_id=link.contact_id) if link and link.contact.email else None


def _link(contact_id: str) -> ExternalLink | None:
    return ExternalLink.objects.select_related("contact").filter(
        provider=KEY, external_id=ids.canonical(contact_id)).first()
