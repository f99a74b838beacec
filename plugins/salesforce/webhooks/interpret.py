"""Turning a stored Closed Won event into a trigger, or an ignore reason the admin can act on."""

from __future__ import annotations

from simple_salesforce.format import format_soql

from host.contracts import TriggerContact, TriggerDecision, TriggerRequest
from host.models import ExternalLink, normalize_email
from host.sync import apply_contacts
from host.trigger import AUTO, BOTH, trigger_mode

KEY = "salesforce"
MODE_MANUAL = "trigger mode is manual"
NO_SEQUENCE = "no sequence selected"
NOT_WON = "opportunity not won"
NO_CONTACT = "no contact with an email"

CONTACT_FIELDS = "Id, Email, FirstName, LastName, Phone, Title, Account.Name, Owner.Name, SystemModstamp"


def interpret(connection, event) -> TriggerDecision:
    payload = event.payload
    if trigger_mode(connection) not in (AUTO, BOTH):
        return TriggerDecision(ignored_reason=MODE_MANUAL)
    sequence_id = connection.settings.get("auto_sequence_id")
    if not sequence_id:
        return TriggerDecision(ignored_reason=NO_SEQUENCE)
    if not payload.get("is_won"):
        return TriggerDecision(ignored_reason=NOT_WON)
    contact = resolve_contact(connection, payload)
    if contact is None:
        return TriggerDecision(ignored_reason=NO_CONTACT)
    return TriggerDecision(request=TriggerRequest(
        sequence_id=sequence_id, source="auto", provider=KEY,
        reference=payload["opportunity_id"], contacts=[contact],
    ))


def resolve_contact(connection, payload) -> TriggerContact | None:
    """The payload's email; else its contact id; else the primary contact role, else
    ``Opportunity.ContactId``, looked up in Salesforce and synced as a contact if new."""
    email = normalize_email(payload.get("contact_email"))
    if email:
        return TriggerContact(email=email)
    contact_id = payload.get("contact_id") or ""
    if contact_id:
        local = _linked(contact_id)
        if local is not None:
            return local
    from plugins.salesforce.client import SalesforceClient

    client = SalesforceClient(connection)
    if not contact_id:
        contact_id = _primary_contact_id(client, payload["opportunity_id"])
    if not contact_id:
        return None
    rows = client.query(format_soql(f"SELECT {CONTACT_FIELDS} FROM Contact WHERE Id = {{}}",  # noqa: S608 - SOQL; values go through format_soql
                                    contact_id))["records"]
    if not rows or not normalize_email(rows[0].get("Email")):
        return None
    from plugins.salesforce.contacts import to_external_contact

    apply_contacts(KEY, [to_external_contact(rows[0])])
    return _linked(rows[0]["Id"])


def _linked(contact_id: str) -> TriggerContact | None:
    link = ExternalLink.objects.select_related("contact").filter(
        provider=KEY, external_id__startswith=contact_id[:15]).first()
    if link is None or not link.contact.email:
        return None
    return TriggerContact(contact_id=link.contact_id)


def _primary_contact_id(client, opportunity_id: str) -> str:
    roles = client.query(format_soql(
        "SELECT ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = {} "
        "ORDER BY IsPrimary DESC, CreatedDate ASC LIMIT 1", opportunity_id))["records"]
    if roles and roles[0].get("ContactId"):
        return roles[0]["ContactId"]
    opportunity = client.query(format_soql(
        "SELECT ContactId FROM Opportunity WHERE Id = {}", opportunity_id))["records"]
    return (opportunity[0].get("ContactId") or "") if opportunity else ""

