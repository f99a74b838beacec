"""Salesforce's part of the host's webhook ingress (``host.webhooks``): ``verify`` and ``parse``.

Verify: the secret the host resolved (the org's own, or ``SALESFORCE_WEBHOOK_SECRET``) in a
header or the query string, or for JSON a signature (``signing``) instead. Parse: a SOAP
Outbound Message (answered with the exact Ack envelope) or a JSON event (``payloads``). The host
checks the event's Salesforce org against the connected one (``ids.same``) and stores the events.
"""

from __future__ import annotations

from host.contracts import WebhookEvent, WebhookParse, WebhookRejected
from plugins.salesforce.webhooks import signing
from plugins.salesforce.webhooks.payloads import (
    ACK,
    PayloadError,
    parse_json,
    parse_outbound_message,
)

HEADERS = ("x-salesforce-webhook-secret", "x-webhook-secret")
QUERY_PARAMS = ("token", "secret")
SIGNATURE_HEADER = "x-salesforce-signature"
XML_TYPES = {"text/xml", "application/xml", "application/soap+xml"}
KIND = "closed_won"


def provided_secret(request) -> bytes | None:
    """The secret the sender put in a header or the query string, as bytes."""
    for header in HEADERS:
        if request.headers.get(header):
            return request.headers[header].encode("latin-1", "replace")
    for name in QUERY_PARAMS:
        if request.query.get(name):
            return request.query[name].encode("utf-8", "surrogatepass")
    return None


def verify(request, secret) -> None:
    signature = request.headers.get(SIGNATURE_HEADER)
    if signature:
        signing.verify(secret.signing_keys, signature, request.body)
        return
    if not secret.matches(provided_secret(request)):
        raise WebhookRejected("Missing or wrong webhook secret: send it in the "
                              "x-salesforce-webhook-secret header or the token query parameter.")
    if request.content_type == "application/json" and secret.signature_required:
        raise WebhookRejected("This organization accepts signed JSON only: send the "
                              "x-salesforce-signature header.", code="SIGNATURE_REQUIRED")


def parse(request) -> WebhookParse:
    try:
        if request.content_type in XML_TYPES:
            org_id, events = parse_outbound_message(request.body)
            reply = (ACK, "text/xml; charset=utf-8")
        elif request.content_type == "application/json":
            event = parse_json(request.body)
            org_id, events, reply = event.org_id, [event], None
        else:
            raise WebhookRejected("Send a Salesforce Outbound Message (text/xml) or JSON "
                                  "(application/json).", 415, "UNSUPPORTED_MEDIA_TYPE")
    except PayloadError as exc:
        raise WebhookRejected(exc.message, exc.status, exc.code) from None
    return WebhookParse(events=[WebhookEvent(dedupe_key=e.dedupe_key, kind=KIND,
                                             payload=e.as_payload(), account_id=org_id)
                                for e in events], reply=reply)
