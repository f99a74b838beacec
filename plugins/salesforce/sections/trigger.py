"""Trigger mode and sequence, the webhook URL and its secret, sender setup (issue 7)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from host.forms import SiteFormMixin
from host.integrations import get_connection, is_enabled
from host.links import org_base_url
from host.trigger import AUTO, BOTH, MANUAL, sequences, trigger_mode
from host.views.auth import org_admin_required
from plugins.salesforce.webhooks import secrets

KEY = "salesforce"
TEMPLATE = "salesforce/sections/trigger.html"
MODES = [(MANUAL, "manual: Trigger only from the manual queue"),
         (AUTO, "auto: Trigger from Closed Won webhook events"),
         (BOTH, "both: Enable auto triggers and manual queue")]
JSON_EXAMPLE = ('{"org_id": "00D5e000000KQ2eEAG", "opportunity_id": "0065w000023STAmAAO",\n'
                ' "name": "Backpackers, Inc.", "amount": 45000.0, "stage": "Closed Won",\n'
                ' "is_won": true, "contact_id": "0035w000035gg9GAAQ",\n'
                ' "contact_email": "pat@example.com", "event_id": "a0B5e00000XyZ1"}')


class TriggerForm(SiteFormMixin, forms.Form):
    trigger_mode = forms.ChoiceField(label="Trigger mode", choices=MODES, widget=forms.RadioSelect)
    sequence = forms.ChoiceField(label="Sequence to run", required=False, widget=forms.Select,
                                 help_text="Required for auto and both. Only active sequences "
                                           "are listed.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sequence"].choices = [("", "Choose a sequence")] + [
            (str(s.id), s.name) for s in sequences(active_only=True)]

    def clean(self):
        data = super().clean()
        if data.get("trigger_mode") in (AUTO, BOTH) and not data.get("sequence"):
            self.add_error("sequence", "Choose the sequence to run for Closed Won events "
                                       "(required for auto and both).")
        return data


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
    return reverse("salesforce-webhook")


def context(request, conn) -> dict:
    chosen = conn.settings.get("auto_sequence_id") or ""
    active = {str(s.id) for s in sequences(active_only=True)}
    stale = None
    if chosen and chosen not in active:
        stale = next((s.name for s in sequences(active_only=False) if str(s.id) == chosen),
                     "a deleted sequence")
    return {
        "trigger_form": TriggerForm(initial={"trigger_mode": trigger_mode(conn),
                                             "sequence": chosen if chosen in active else ""}),
        "stale_sequence": stale,
        "webhook_url": org_base_url(request.tenant) + webhook_path(),
        "secret_source": secrets.source(conn),
        "fallback_state": secrets.fallback_state(conn),
        "signature_required": secrets.signature_required(conn),
        "can_sign": bool(secrets.signing_keys(conn)),
        "secret_created_at": _when(conn.settings.get("webhook_secret_created_at")),
        "previous_secret_until": _grace_until(conn),
        "json_example": JSON_EXAMPLE,
        "emulator_tools": emulator_shortcuts() is not None,
    }


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _grace_until(conn) -> datetime | None:
    until = _when(conn.settings.get("previous_webhook_secret_valid_until"))
    return until if until and until > timezone.now() else None


def _connection():
    if not is_enabled(KEY):
        raise Http404("Salesforce is not available for this organization.")
    return get_connection(KEY)


def _render(request, conn, status: int = 200, **extra):
    """The whole configure page (used for form errors and to show a new secret once)."""
    from plugins.salesforce.views import settings_context

    ctx = settings_context(request, conn)
    ctx.update(extra)
    response = render(request, "salesforce/settings.html", ctx, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def save_trigger(request):
    conn = _connection()
    form = TriggerForm(request.POST)
    if not form.is_valid():
        return _render(request, conn, status=400, trigger_form=form)
    mode, sequence = form.cleaned_data["trigger_mode"], form.cleaned_data["sequence"]
    conn.update_settings(lambda v: v.update(trigger_mode=mode, auto_sequence_id=sequence))
    messages.success(request, f"Trigger mode saved: {mode}.")
    return redirect("salesforce:settings")


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def generate_secret(request):
    """Generate or rotate the org's secret and show it once (in this response only)."""
    conn = _connection()
    had_one = secrets.source(conn) == secrets.ORG
    secret = secrets.rotate(conn)
    messages.success(request, "New webhook secret generated. Copy it now: it is shown only once."
                     + (" The previous secret keeps working for 72 hours." if had_one else ""))
    url = org_base_url(request.tenant) + webhook_path()
    return _render(request, conn, new_secret=secret, new_secret_url=f"{url}?token={quote(secret)}")


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def remove_secret(request):
    conn = _connection()
    secrets.remove_org_secret(conn)
    messages.success(request, "The organization's webhook secret was removed.")
    return redirect("salesforce:settings")


def _switch(request, name: str) -> bool | None:
    """An on/off choice posted by a settings button, or None for anything else."""
    return {"on": True, "off": False}.get(request.POST.get(name, ""))


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def webhook_fallback(request):
    """Allow or refuse the platform's global secret for this org (when it has none of its own)."""
    conn = _connection()
    allow = _switch(request, "allow")
    if allow is None:
        messages.error(request, "Choose whether the global webhook secret may be used.")
        return redirect("salesforce:settings")
    conn.update_settings(lambda v: v.update({secrets.ALLOW_FALLBACK: allow}))
    messages.success(request, "The global webhook secret is " + (
        "accepted again for this organization (while it is connected to Salesforce)." if allow
        else "no longer accepted for this organization."))
    return redirect("salesforce:settings")


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def webhook_signing(request):
    """Require (or stop requiring) signed JSON; needs the org's own secret to sign with."""
    conn = _connection()
    require = _switch(request, "require")
    if require is None:
        messages.error(request, "Choose whether JSON webhooks must be signed.")
    elif require and not secrets.signing_keys(conn):
        messages.error(request, "Generate a new webhook secret first: signatures are made with "
                                "this organization's own secret.")
    else:
        conn.update_settings(lambda v: v.update({secrets.REQUIRE_SIGNATURE: require}))
        messages.success(request, "JSON webhooks must now be signed (x-salesforce-signature)."
                         if require else "JSON webhooks no longer need a signature.")
    return redirect("salesforce:settings")


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
    path("settings/integrations/salesforce/trigger", save_trigger, name="trigger-save"),
    path("settings/integrations/salesforce/webhook-secret", generate_secret,
         name="webhook-secret"),
    path("settings/integrations/salesforce/webhook-secret/remove", remove_secret,
         name="webhook-secret-remove"),
    path("settings/integrations/salesforce/webhook-fallback", webhook_fallback,
         name="webhook-fallback"),
    path("settings/integrations/salesforce/webhook-signing", webhook_signing,
         name="webhook-signing"),
    path("settings/integrations/salesforce/emulator/outbound", emulator_outbound,
         name="emulator-outbound"),
    path("settings/integrations/salesforce/emulator/close-won", emulator_close_won,
         name="emulator-close-won"),
]
