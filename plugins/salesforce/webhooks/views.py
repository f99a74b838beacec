"""``POST /api/v1/integrations/salesforce/webhook`` on the org host.

Order of checks, cheapest and safest first: org host, secret or signature (401 with no side
effect), body size (413), content type (415), payload (400), Salesforce org (403); then each event
is stored before the answer is sent, and processed in Celery after commit. The event is only a
notification: processing re-reads the opportunity from Salesforce before anyone is enrolled.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from host.events import accept_event
from host.integrations import is_enabled
from host.models import IntegrationConnection
from plugins.salesforce import ids
from plugins.salesforce.conf import settings
from plugins.salesforce.webhooks import secrets, signing
from plugins.salesforce.webhooks.payloads import ACK, PayloadError, parse_json, parse_outbound_message

log = logging.getLogger(__name__)
KEY = "salesforce"
XML_TYPES = {"text/xml", "application/xml", "application/soap+xml"}


def error(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": details or {}}},
                        status=status)


def _read_body(request, limit: int) -> bytes | None:
    """The body, or None when it is larger than ``limit`` (read no further than that)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@csrf_exempt
def webhook(request):
    if request.tenant.schema_name == "public":
        return error(404, "NOT_FOUND", "Use your organization's own address for webhooks.")
    if request.method != "POST":
        return error(405, "METHOD_NOT_ALLOWED", "Use POST.")
    if not is_enabled(KEY):
        return error(404, "NOT_FOUND", "Salesforce is not enabled for this organization.")
    limit = settings.SALESFORCE_WEBHOOK_MAX_BYTES
    # No get_or_create: a refused request must not write anything, not even a connection row.
    connection = IntegrationConnection.objects.filter(provider=KEY).first()
    content_type = request.content_type.lower()
    signature = request.META.get(signing.META_HEADER)
    if signature:
        body = _read_body(request, limit)
        if body is None:
            return error(413, "PAYLOAD_TOO_LARGE", f"The body is larger than {limit:,} bytes.")
        try:
            signing.verify(connection, signature, body)
        except signing.SignatureError as exc:
            return error(exc.status, exc.code, exc.message)
        kind = secrets.ORG
    else:
        kind = secrets.matches(connection, secrets.provided_secret(request))
        if kind is None:
            return error(401, "INVALID_WEBHOOK_SECRET",
                         "Missing or wrong webhook secret: send it in the "
                         "x-salesforce-webhook-secret header or the token query parameter.")
        if content_type == "application/json" and secrets.signature_required(connection):
            return error(401, "SIGNATURE_REQUIRED",
                         "This organization accepts signed JSON only: send the "
                         "x-salesforce-signature header.")
        body = _read_body(request, limit)
        if body is None:
            return error(413, "PAYLOAD_TOO_LARGE", f"The body is larger than {limit:,} bytes.")
    try:
        if content_type in XML_TYPES:
            org_id, events = parse_outbound_message(body)
            reply = HttpResponse(ACK, content_type="text/xml; charset=utf-8")
        elif content_type == "application/json":
            event = parse_json(body)
            org_id, events = event.org_id, [event]
            reply = None
        else:
            return error(415, "UNSUPPORTED_MEDIA_TYPE",
                         "Send a Salesforce Outbound Message (text/xml) or JSON (application/json).")
    except PayloadError as exc:
        return error(exc.status, exc.code, exc.message)
    connected_org = connection.external_account_id if connection else ""
    # The global secret is only in effect for a connected org (secrets.source), and only for
    # events from that very Salesforce org (18-character ids compared in Salesforce's own case).
    if (connected_org or kind == secrets.GLOBAL) and not ids.same(org_id, connected_org):
        return error(403, "ORG_MISMATCH",
                     "This event comes from another Salesforce org than the connected one.")
    with transaction.atomic():
        stored = [accept_event(KEY, e.dedupe_key, "closed_won", e.as_payload()) for e in events]
    log.info("salesforce webhook: %d event(s), %d new", len(stored),
             sum(1 for _, created in stored if created))
    if reply is not None:
        return reply
    event, created = stored[0]
    return JsonResponse({"data": {"eventId": event.pk, "status": event.status,
                                  "duplicate": not created}}, status=202 if created else 200)
