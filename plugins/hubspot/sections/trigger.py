"""Trigger mode and sequence (the host's section), plus where HubSpot sends won deals: the
platform's app webhook, signed with the app's client secret, so there is no per-org secret to
manage; and, in development against the local emulator, a *Win a deal* button."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from host.links import public_base_url
from host.sections import trigger as host_trigger
from host.views.auth import org_admin_required

KEY = "hubspot"
TEMPLATE = "hubspot/sections/trigger.html"


def emulator_shortcuts():
    """The dev-only emulator shortcuts (``devtools``, not in the wheel), only with ``DEBUG``."""
    if not settings.DEBUG:
        return None
    try:
        from devtools import hubspot_shortcuts
    except ImportError:
        return None
    return hubspot_shortcuts if hubspot_shortcuts.available() else None


def context(request, conn) -> dict:
    return {**host_trigger.context(request, conn),
            "hubspot_webhook_url": public_base_url() + reverse("integration-webhook", args=[KEY]),
            "emulator_tools": emulator_shortcuts() is not None}


@require_POST
@org_admin_required(does="configure the HubSpot integration")
def emulator_win_deal(request):
    """Dev only: what a sales rep does in HubSpot (a deal moved to won), in the local emulator."""
    shortcuts = emulator_shortcuts()
    if shortcuts is None:
        raise Http404("Only with a local HubSpot emulator in development.")
    from host.integrations import get_connection

    try:
        deal = shortcuts.win_deal(get_connection(KEY).external_account_id or None)
    except shortcuts.EmulatorUnavailable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Moved “{deal['name']}” ({deal['id']}) to won in the emulator; "
                                  "its webhook is on its way (see Webhook events).")
    return redirect("hubspot:settings")


urlpatterns = [
    path("settings/integrations/hubspot/emulator/win-deal", emulator_win_deal,
         name="emulator-win-deal"),
]
