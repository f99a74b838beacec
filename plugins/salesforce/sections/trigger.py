"""Trigger mode and sequence, the webhook URL and its secret: the host's section
(``host.sections.trigger``) with Salesforce's words and setup steps
(``salesforce/sections/webhook.html``), plus the development-only emulator buttons."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from host.integrations import get_connection, is_enabled
from host.links import org_base_url
from host.sections import trigger as host_trigger
from host.views.auth import org_admin_required
from host.webhooks import secrets

KEY = "salesforce"
TEMPLATE = host_trigger.TEMPLATE
JSON_EXAMPLE = ('{"org_id": "00D5e000000KQ2eEAG", "opportunity_id": "0065w000023STAmAAO",\n'
                ' "name": "Backpackers, Inc.", "amount": 45000.0, "stage": "Closed Won",\n'
                ' "is_won": true, "contact_id": "0035w000035gg9GAAQ",\n'
                ' "contact_email": "pat@example.com", "event_id": "a0B5e00000XyZ1"}')


def emulator_shortcuts():
    """The dev-only buttons that drive the local emulator, or None.

    They live in ``devtools`` (a checkout-only package, not in the wheel), imported here only
    when ``DEBUG`` is on, so production never imports development code.
    """
    if not settings.DEBUG:
        return None
    try:
        from devtools import salesforce_shortcuts
    except ImportError:
        return None
    return salesforce_shortcuts if salesforce_shortcuts.available() else None


def webhook_path() -> str:
    return reverse("integration-webhook", args=[KEY])


def context(request, conn) -> dict:
    return {**host_trigger.context(request, conn), "json_example": JSON_EXAMPLE,
            "emulator_tools": emulator_shortcuts() is not None}


def _connection():
    if not is_enabled(KEY):
        raise Http404("Salesforce is not available for this organization.")
    return get_connection(KEY)


def _require_emulator():
    shortcuts = emulator_shortcuts()
    if shortcuts is None:
        raise Http404("Only with a local Salesforce emulator in development.")
    return shortcuts


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def emulator_outbound(request):
    """Dev only: what an admin does in Salesforce Setup, done in the local emulator."""
    shortcuts = _require_emulator()
    conn = _connection()
    secret = secrets.rotate(conn)
    url = org_base_url(request.tenant) + webhook_path() + "?token=" + quote(secret)
    try:
        shortcuts.configure_outbound(url)
    except shortcuts.EmulatorUnavailable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The local emulator now sends its Outbound Messages to "
                                  f"{org_base_url(request.tenant) + webhook_path()} with a new "
                                  "secret.")
    return redirect("salesforce:settings")


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def emulator_close_won(request):
    shortcuts = _require_emulator()
    try:
        deal = shortcuts.close_won()
    except shortcuts.EmulatorUnavailable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Closed “{deal['Name']}” ({deal['Id']}) as won in the emulator; "
                                  "its Outbound Message is on its way (see Webhook events).")
    return redirect("salesforce:settings")


urlpatterns = [
    path("settings/integrations/salesforce/emulator/outbound", emulator_outbound,
         name="emulator-outbound"),
    path("settings/integrations/salesforce/emulator/close-won", emulator_close_won,
         name="emulator-close-won"),
]
