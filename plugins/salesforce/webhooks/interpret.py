"""Turning a stored Closed Won event into a trigger, or an ignore reason the admin can act on."""

from __future__ import annotations

from collections.abc import Iterator

from simple_salesforce.format import format_soql

from host.contracts import NeedsReconnect, TriggerContact, TriggerDecision, TriggerRequest
from host.models import ExternalLink, normalize_email
from host.sync import apply_contacts
from host.trigger import AUTO, BOTH, trigger_mode

KEY = "salesforce"
# The exact reasons shown in the event log (the host adds "disconnected" and "needs reconnect").
MODE_MANUAL = "trigger mode is manual"
NO_SEQUENCE = "no sequence selected"
NOT_WON = "opportunity not won"
NO_CONTACT = "no contact with an email"
NEEDS_RECONNECT = "needs reconnect"
LOOKUP_FAILED = "Salesforce lookup failed"

CONTACT_FIELDS = "Id, Email, FirstName, LastName, Phone, Title, Account.Name, Owner.Name, SystemModstamp"


def interpret(connection, event) -> TriggerDecision:
    """The trigger for one stored event, or why it is ignored.

    Transient Salesforce failures (network, 5xx, 429) propagate: the event stays pending and the
    sweeper retries it. Other Salesforce errors are recorded as an ignore reason (replayable).
    """
    from plugins.salesforce.errors import SalesforceError

    payload = event.payload
    if trigger_mode(connection) not in (AUTO, BOTH):
        return TriggerDecision(ignored_reason=MODE_MANUAL)
    sequence_id = connection.settings.get("auto_sequence_id")
    if not sequence_id:
        return TriggerDecision(ignored_reason=NO_SEQUENCE)
    if not payload.get("is_won"):
        return TriggerDecision(ignored_reason=NOT_WON)
    try:
        contact = resolve_contact(connection, payload)
    except NeedsReconnect:
        return TriggerDecision(ignored_reason=NEEDS_RECONNECT)
    except SalesforceError as exc:
        if exc.retryable:
            raise
        return TriggerDecision(ignored_reason=f"{LOOKUP_FAILED}: {exc.message}"[:255])
    if contact is None:
        return TriggerDecision(ignored_reason=NO_CONTACT)
    return TriggerDecision(request=TriggerRequest(
        sequence_id=sequence_id, source="auto", provider=KEY,
        reference=payload["opportunity_id"], contacts=[contact],
    ))


def resolve_contact(connection, payload) -> TriggerContact | None:
    """The payload's email; else the first candidate with an email among the payload's contact
    id, the primary contact role and ``Opportunity.ContactId`` (looked up in Salesforce and
    synced as a contact if new)."""
    email = normalize_email(payload.get("contact_email"))
    if email:
        return TriggerContact(email=email)
    payload_contact = payload.get("contact_id") or ""
    if payload_contact and (local := _linked(payload_contact)) is not None:
        return local  # no API call for a contact we already know
    from plugins.salesforce.client import SalesforceClient

    client = SalesforceClient(connection)
    seen: set[str] = set()
    for contact_id in _candidates(client, payload["opportunity_id"], payload_contact):
        if not contact_id or contact_id[:15] in seen:
            continue
        seen.add(contact_id[:15])
        found = _linked(contact_id) or _fetch(client, contact_id)
        if found is not None:
            return found
    return None


def _candidates(client, opportunity_id: str, payload_contact: str) -> Iterator[str]:
    """Contact ids in resolution order, each queried only when the previous one had no email."""
    yield payload_contact
    roles = client.query(format_soql(
        "SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId = {} "
        "ORDER BY IsPrimary DESC, CreatedDate ASC LIMIT 1", opportunity_id))["records"]
    yield (roles[0].get("ContactId") or "") if roles else ""
    opportunity = client.query(format_soql(
        "SELECT ContactId FROM Opportunity WHERE Id = {}", opportunity_id))["records"]
    yield (opportunity[0].get("ContactId") or "") if opportunity else ""


def _fetch(client, contact_id: str) -> TriggerContact | None:
    """Look the contact up in Salesforce; sync it (upsert + link) when it has an email."""
    from plugins.salesforce.contacts import to_external_contact

    soql = f"SELECT {CONTACT_FIELDS} FROM Contact WHERE Id = {{}}"  # noqa: S608 (SOQL; the value goes through format_soql)  # nosec B608
    rows = client.query(format_soql(soql, contact_id))["records"]
    if not rows or not normalize_email(rows[0].get("Email")):
        return None
    apply_contacts(KEY, [to_external_contact(rows[0])])
    return _linked(rows[0]["Id"])


def _linked(contact_id: str) -> TriggerContact | None:
    link = ExternalLink.objects.select_related("contact").filter(
        provider=KEY, external_id__startswith=contact_id[:15]).first()
    if link is None or not link.contact.email:
        return None
    return TriggerContact(contact_id=link.contact_id)
