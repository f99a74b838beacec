"""Parsing the two webhook payload kinds into plain event dicts, safely.

(a) Salesforce Outbound Message: SOAP over ``text/xml``, parsed with defusedxml (no DTD, no
    entities), up to 100 notifications; answered with the exact Ack envelope.
(b) JSON from a Flow HTTP callout or Apex: ``org_id``, ``opportunity_id``, ``name``, ``amount``,
    ``stage``, ``is_won``, ``contact_id``; optionally ``contact_email`` and ``event_id``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError  # noqa: S405 - exception type only

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OM_NS = "http://soap.sforce.com/2005/09/outbound"
SF_NS = "urn:sobject.enterprise.soap.sforce.com"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
MAX_NOTIFICATIONS = 100
SF_ID = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n'
    " <soapenv:Body>\n"
    '  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">\n'
    "   <Ack>true</Ack>\n"
    "  </notificationsResponse>\n"
    " </soapenv:Body>\n"
    "</soapenv:Envelope>\n"
)


class PayloadError(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "VALIDATION_ERROR"):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@dataclass(frozen=True)
class ClosedWonEvent:
    """One opportunity event, whichever sender it came from."""

    dedupe_key: str
    org_id: str
    opportunity_id: str
    name: str = ""
    amount: float | None = None
    stage: str = ""
    is_won: bool = False
    contact_id: str = ""
    contact_email: str = ""
    source: str = ""  # "outbound_message" | "json"

    def as_payload(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "dedupe_key"}


def _bool(text: str | None) -> bool:
    return (text or "").strip().lower() == "true"


def _id(value, field: str, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        if required:
            raise PayloadError(f"'{field}' is required.")
        return ""
    if not isinstance(value, str) or not SF_ID.match(value):
        raise PayloadError(f"'{field}' is not a Salesforce id.")
    return value


def _amount(value) -> float | None:
    """A finite number (text from SOAP, a JSON number), or None; anything else is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError("'amount' must be a number.")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise PayloadError("'amount' must be a number.") from None
    if not math.isfinite(number):
        raise PayloadError("'amount' must be a finite number.")
    return number


def _text(data: dict, name: str, limit: int) -> str:
    """An optional JSON string field, storable in PostgreSQL (no NUL, valid UTF-8)."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"'{name}' must be a string.")
    if "\x00" in value:
        raise PayloadError(f"'{name}' contains a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError(f"'{name}' is not valid Unicode.") from None
    return value.strip()[:limit]


def parse_outbound_message(body: bytes) -> tuple[str, list[ClosedWonEvent]]:
    """Return the message's OrganizationId and one event per notification."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise PayloadError("XML with a DTD or entities is refused.") from None
    except (ParseError, ValueError, LookupError):  # LookupError: an unknown declared encoding
        raise PayloadError("The body is not well-formed XML.") from None
    notifications = root.find(f"{{{SOAP_NS}}}Body/{{{OM_NS}}}notifications")
    if root.tag != f"{{{SOAP_NS}}}Envelope" or notifications is None:
        raise PayloadError("Not a Salesforce Outbound Message (no soapenv:Envelope/notifications).")
    org_id = _id(notifications.findtext(f"{{{OM_NS}}}OrganizationId"), "OrganizationId")
    items = notifications.findall(f"{{{OM_NS}}}Notification")
    if not items:
        raise PayloadError("The Outbound Message has no Notification.")
    if len(items) > MAX_NOTIFICATIONS:
        raise PayloadError(f"At most {MAX_NOTIFICATIONS} notifications per message.")
    events = []
    for item in items:
        notification_id = _id(item.findtext(f"{{{OM_NS}}}Id"), "Notification/Id")
        record = item.find(f"{{{OM_NS}}}sObject")
        if record is None:
            raise PayloadError("A Notification has no sObject.")
        fields = {child.tag.split("}", 1)[-1]: (None if child.get(XSI_NIL) == "true" else child.text)
                  for child in record}
        amount_value = _amount(fields.get("Amount"))
        is_won = fields.get("IsWon")
        # IsWon is the robust test; without it (not among the fields sent) use the default label.
        won = _bool(is_won) if "IsWon" in fields else fields.get("StageName") == "Closed Won"
        events.append(ClosedWonEvent(
            dedupe_key=f"om:{notification_id}", org_id=org_id,
            opportunity_id=_id(fields.get("Id"), "sObject/Id"),
            name=(fields.get("Name") or "")[:255], amount=amount_value,
            stage=(fields.get("StageName") or "")[:100], is_won=won,
            contact_id=_id(fields.get("ContactId"), "ContactId", required=False),
            source="outbound_message",
        ))
    return org_id, events


JSON_FIELDS = {"org_id", "opportunity_id", "name", "amount", "stage", "is_won", "contact_id",
               "contact_email", "event_id"}


def parse_json(body: bytes) -> ClosedWonEvent:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PayloadError("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise PayloadError("The JSON body must be an object.")
    unknown = sorted(set(data) - JSON_FIELDS)
    if unknown:
        raise PayloadError(f"Unknown fields: {', '.join(unknown)[:200]}.")
    if not isinstance(data.get("is_won"), bool):
        raise PayloadError("'is_won' must be true or false.")
    texts = {name: _text(data, name, limit)
             for name, limit in (("name", 255), ("stage", 100), ("contact_email", 254),
                                 ("event_id", 100))}
    email = texts["contact_email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise PayloadError("'contact_email' is not an email address.") from None
    opportunity_id = _id(data.get("opportunity_id"), "opportunity_id")
    is_won = data["is_won"]
    if texts["event_id"]:
        dedupe = f"evt:{texts['event_id']}"
    else:  # the won transition happens once per opportunity; other stages are informational
        dedupe = f"opp:{opportunity_id}:won" if is_won else \
            f"opp:{opportunity_id}:open:{texts['stage']}"
    return ClosedWonEvent(
        dedupe_key=dedupe, org_id=_id(data.get("org_id"), "org_id"),
        opportunity_id=opportunity_id, name=texts["name"], amount=_amount(data.get("amount")),
        stage=texts["stage"], is_won=is_won,
        contact_id=_id(data.get("contact_id"), "contact_id", required=False),
        contact_email=email, source="json",
    )
