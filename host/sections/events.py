"""The webhook event log: an integration's recent events, their outcome, and *Replay*."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from host.contracts import Capability, WebhookInfo
from host.events import replay
from host.integrations import get_integration
from host.models import InboundEvent
from host.sections.common import back, html_id, integration_for
from host.sections.trigger import _admin, events_words

TEMPLATE = "host/sections/events.html"
# Their actions are the host's routes (``host.sections.urlpatterns``), not the page's own.
urlpatterns: list = []
RECENT = 25
REPLAYABLE = (InboundEvent.Status.IGNORED, InboundEvent.Status.FAILED)


def outcome(event: InboundEvent) -> str:
    """One line for the log: sendings created, ignored + reason, failed + error, or pending."""
    if event.status == InboundEvent.Status.PROCESSED:
        count = (event.result or {}).get("sendings_created", 0)
        return f"{count} sending{'' if count == 1 else 's'} created"
    if event.status == InboundEvent.Status.IGNORED:
        return f"Ignored: {event.reason}"
    if event.status == InboundEvent.Status.FAILED:
        return f"Failed: {event.reason}"
    return "Pending"


def context(request, conn) -> dict:
    info = get_integration(conn.provider).info
    spec = info.webhook or WebhookInfo()
    events = list(InboundEvent.objects.filter(provider=conn.provider)[:RECENT])
    for event in events:
        event.outcome = outcome(event)
        event.replayable = event.status in REPLAYABLE
        payload = event.payload if isinstance(event.payload, dict) else {}
        event.record_id = payload.get(spec.record_id_key, "")
        event.record_name = payload.get(spec.record_name_key, "")
    return {"webhook_events": events, "events_info": info, "events_spec": spec,
            "events_html_id": html_id(info), "events_words": events_words(info)}


@require_POST
@_admin
def replay_event(request, key, pk: int):
    integration = integration_for(key, Capability.TRIGGER)
    event = get_object_or_404(InboundEvent, pk=pk, provider=key)
    if event.status not in REPLAYABLE:
        messages.error(request, "Only ignored or failed events can be replayed.")
    else:
        replay(event)
        spec = integration.info.webhook or WebhookInfo()
        record = (event.payload or {}).get(spec.record_id_key, "")
        messages.success(request, f"Event for {spec.record_label.lower()} {record} is queued "
                                  "again; refresh to see the outcome.")
    return back(integration)
