"""Webhook event log: recent Closed Won events, their outcome, and Replay (issue 7)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views.decorators.http import require_POST

from host.events import replay
from host.integrations import is_enabled
from host.models import InboundEvent
from host.views.auth import org_admin_required

KEY = "salesforce"
TEMPLATE = "salesforce/sections/events.html"
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
    events = list(InboundEvent.objects.filter(provider=KEY)[:RECENT])
    for event in events:
        event.outcome = outcome(event)
        event.replayable = event.status in REPLAYABLE
    return {"webhook_events": events}


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def replay_event(request, pk: int):
    if not is_enabled(KEY):
        raise Http404("Salesforce is not available for this organization.")
    event = get_object_or_404(InboundEvent, pk=pk, provider=KEY)
    if event.status not in REPLAYABLE:
        messages.error(request, "Only ignored or failed events can be replayed.")
    else:
        replay(event)
        messages.success(request, f"Event for opportunity {event.payload.get('opportunity_id', '')}"
                                  " is queued again; refresh to see the outcome.")
    return redirect("salesforce:settings")


urlpatterns = [
    path("settings/integrations/salesforce/events/<int:pk>/replay", replay_event,
         name="event-replay"),
]
