"""``POST /api/v1/integrations/<key>/webhook``: per-org (org host) and app-level (public host).

Order of checks, cheapest and safest first: host name (404), method (405), enablement (404),
the plugin's ``webhook_verify`` with the secret the host resolved (401, nothing stored; the
body is read only if the check needs it), body size (413), the plugin's ``webhook_parse``
(415/400), the event's account (403 for PER_ORG); then each event is stored before the answer
and processed in Celery after commit. APP events are routed to the organization connected to
their account (``routes``); one for an unknown or disconnected account is answered the same
and recorded publicly (``UnroutedWebhookEvent``), enrolling nothing.
"""

from __future__ import annotations

import logging
import operator
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_tenants.utils import tenant_context

from host import hooks, metrics
from host.contracts import (
    WebhookBodyTooLarge,
    WebhookParse,
    WebhookRejected,
    WebhookRequest,
    WebhookStyle,
)
from host.events import accept_events
from host.integrations import is_enabled, registry
from host.webhooks import connections, routes, secrets

log = logging.getLogger(__name__)
UNKNOWN_ACCOUNT, DISABLED = "unknown account", "integration disabled"


def error(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": details or {}}},
                        status=status)


def _read_body(request, limit: int) -> bytes:
    """The body, never reading further than ``limit`` bytes (``WebhookBodyTooLarge`` above)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise WebhookBodyTooLarge
    body = request.read(limit + 1)
    if len(body) > limit:
        raise WebhookBodyTooLarge
    return body


def body_limit(info) -> int:
    from host.integrations import plugin_setting

    spec = info.webhook
    return int(plugin_setting(info, spec.max_bytes_setting)) if spec.max_bytes_setting else \
        spec.max_bytes


@csrf_exempt
def webhook(request, key: str):
    integration = registry().get(key)
    spec = integration.info.webhook if integration else None
    if spec is None:
        return error(404, "NOT_FOUND", "No webhook is served at this address.")
    name = integration.info.name
    public = request.tenant.schema_name == "public"
    if spec.style == WebhookStyle.PER_ORG and public:
        return error(404, "NOT_FOUND", "Use your organization's own address for webhooks.")
    if spec.style == WebhookStyle.APP and not public:
        return error(404, "NOT_FOUND", f"{name} webhooks go to the platform's own address, "
                                       "not an organization's.")
    if request.method != "POST":
        return error(405, "METHOD_NOT_ALLOWED", "Use POST.")
    connection = None
    if spec.style == WebhookStyle.PER_ORG:
        if not is_enabled(key):
            return error(404, "NOT_FOUND", f"{name} is not enabled for this organization.")
        # No get_or_create: a refused request must not write anything, not even a connection.
        connection = connections.for_webhook(key)
        secret = secrets.resolve(key, connection)
    else:
        secret = secrets.app_secret(key)
    limit = body_limit(integration.info)
    inbound = WebhookRequest(
        method=request.method, uri=request.build_absolute_uri(), headers=request.headers,
        query={k: v for k, v in request.GET.items()}, content_type=request.content_type.lower(),
        read_body=lambda: _read_body(request, limit))
    try:
        hooks.webhook(key).webhook_verify(request=inbound, secret=secret)
        inbound.body  # noqa: B018 - read (and limit) it before parsing
        parsed = hooks.webhook(key).webhook_parse(request=inbound)
    except WebhookBodyTooLarge:
        return error(413, "PAYLOAD_TOO_LARGE", f"The body is larger than {limit:,} bytes.")
    except WebhookRejected as exc:
        return error(exc.status, exc.code, exc.message, exc.details)
    if not isinstance(parsed, WebhookParse) or not (parsed.events or parsed.reply):
        # A batch with nothing the plugin acts on is acknowledged with its ``reply`` (the CRM
        # would otherwise retry it), never stored.
        return error(400, "VALIDATION_ERROR", "The webhook holds no event.")
    if spec.style == WebhookStyle.PER_ORG:
        refused = _other_account(integration, connection, secret, parsed)
        if refused is not None:
            return refused
        stored = accept_events(key, parsed.events)  # one INSERT, committed on return
    else:
        if any(not e.account_id for e in parsed.events):
            return error(400, "VALIDATION_ERROR", "Each event must name its account.")
        stored = _route(key, parsed.events)
    log.info("%s webhook: %d event(s), %d new", key, len(parsed.events),
             sum(1 for _, created in stored if created))
    return _answer(parsed, stored)


def _other_account(integration, connection, secret, parsed) -> JsonResponse | None:
    """403 for an event of another CRM account than the connected one (the global secret is
    shared by every org, so it counts only for the org's own account)."""
    spec = integration.info.webhook
    connected = connection.external_account_id if connection else ""
    if not connected and secret.source != secrets.GLOBAL:
        return None
    same = spec.same_account or operator.eq
    if all(e.account_id and same(e.account_id, connected) for e in parsed.events):
        return None
    return error(403, "ORG_MISMATCH", f"This event comes from another {integration.info.name} "
                                      f"{spec.account_word} than the connected one.")


def _route(key: str, events) -> list[tuple[object, bool]]:
    """Store each event in its account's organization, or record it publicly; ``(event,
    created)`` per routed event."""
    from tenants.models import UnroutedWebhookEvent

    by_account = defaultdict(list)
    for event in events:
        by_account[event.account_id].append(event)
    stored = []
    with transaction.atomic():
        # Accounts in one order: each org's wake-up row stays locked until the commit
        # (host.events), so two batches naming the same orgs must not lock them crosswise.
        for account, items in sorted(by_account.items(), key=operator.itemgetter(0)):
            org = routes.organization_for(key, account)
            reason = UNKNOWN_ACCOUNT if org is None else (
                "" if is_enabled(key, org) else DISABLED)
            if reason:
                for event in items:
                    _record_unrouted(UnroutedWebhookEvent, key, account, event, reason)
                continue
            with tenant_context(org):
                stored += accept_events(key, items)
    return stored


def _record_unrouted(model, key: str, account: str, event, reason: str) -> None:
    with transaction.atomic():
        row, created = model.objects.get_or_create(
            integration=key, dedupe_key=event.dedupe_key[:255],
            defaults={"external_account_id": account[:64], "kind": event.kind[:50],
                      "payload": event.payload, "reason": reason})
        if not created:
            model.objects.filter(pk=row.pk).update(times_received=F("times_received") + 1,
                                                   reason=reason)
    metrics.inc("webhook_events_ignored", integration=key, reason=reason)
    log.info("%s webhook: event for %s (%s) recorded for platform staff", key, reason,
             account[:64])


def _answer(parsed: WebhookParse, stored):
    if parsed.reply is not None:
        body, content_type = parsed.reply
        return HttpResponse(body, content_type=content_type)
    if len(parsed.events) == 1 and len(stored) == 1:
        event, created = stored[0]
        return JsonResponse({"data": {"eventId": event.pk, "status": event.status,
                                      "duplicate": not created}}, status=202 if created else 200)
    return JsonResponse({"data": {"received": len(parsed.events),
                                  "new": sum(1 for _, created in stored if created)}})
