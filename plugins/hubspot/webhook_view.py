"""``POST /api/v1/integrations/hubspot/webhook`` on an org host: a thin stand-in for the host's
app-level ingress (HubSpot calls one URL for every account; until the public routing table
exists, an org can point a test app at its own host). ``webhooks.verify`` and ``parse`` do the
work; events of another portal than the connected one are refused (403)."""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from host.events import accept_event
from host.integrations import is_enabled
from host.models import IntegrationConnection

from . import webhooks
from .conf import settings

KEY = "hubspot"
MAX_BYTES = 1_000_000


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": {}}}, status=status)


@csrf_exempt
def webhook(request):
    if request.method != "POST":
        return error(405, "METHOD_NOT_ALLOWED", "Use POST.")
    if not is_enabled(KEY):
        return error(404, "NOT_FOUND", "HubSpot is not enabled for this organization.")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_BYTES:
        return error(413, "PAYLOAD_TOO_LARGE", f"The body is larger than {MAX_BYTES:,} bytes.")
    body = request.body
    try:
        webhooks.verify(settings.HUBSPOT_CLIENT_SECRET, request.method,
                        request.build_absolute_uri(), body, request.headers)
        events = webhooks.parse(body)
    except webhooks.WebhookError as exc:
        return error(exc.status, exc.code, exc.message)
    connection = IntegrationConnection.objects.filter(
        provider=KEY, status=IntegrationConnection.Status.CONNECTED).first()
    portal = connection.external_account_id if connection else None
    if any(e.portal_id != portal for e in events):
        return error(403, "UNKNOWN_PORTAL", "These events come from a HubSpot account that is not "
                                            "connected to this organization.")
    with transaction.atomic():
        stored = [accept_event(KEY, e.dedupe_key, e.kind, e.payload) for e in events]
    return JsonResponse({"data": {"accepted": len(stored),
                                  "new": sum(1 for _, created in stored if created)}})
