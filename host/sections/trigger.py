"""Trigger mode (manual / auto / both) and the sequence webhook events start; with a PER_ORG
webhook, its URL and the org's secret (generate / rotate with a grace period, remove, the
global fallback switch, *Require signed JSON*)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from host.contracts import Capability
from host.forms import SiteFormMixin
from host.integrations import get_connection, get_integration
from host.links import org_base_url
from host.sections.common import back, html_id, integration_for, page, per_org_webhook
from host.trigger import AUTO, BOTH, MANUAL, sequences, trigger_mode
from host.views.auth import org_admin_required
from host.webhooks import secrets

TEMPLATE = "host/sections/trigger.html"
WEBHOOK_TEMPLATE = "host/sections/webhook.html"
# Their actions are the host's routes (``host.sections.urlpatterns``), not the page's own.
urlpatterns: list = []


def events_words(info) -> str:
    """"Closed Won events" for Salesforce; "webhook events" for an integration without a name."""
    name = info.webhook.event_name if info.webhook else ""
    return f"{name} events" if name else "webhook events"


class TriggerForm(SiteFormMixin, forms.Form):
    trigger_mode = forms.ChoiceField(label="Trigger mode", widget=forms.RadioSelect)
    sequence = forms.ChoiceField(label="Sequence to run", required=False, widget=forms.Select,
                                 help_text="Required for auto and both. Only active sequences "
                                           "are listed.")

    def __init__(self, *args, info, **kwargs):
        super().__init__(*args, **kwargs)
        self.info = info
        name = info.webhook.event_name if info.webhook else ""
        self.fields["trigger_mode"].choices = [
            (MANUAL, "manual: Trigger only from the manual queue"),
            (AUTO, f"auto: Trigger from {name + ' ' if name else ''}webhook events"),
            (BOTH, "both: Enable auto triggers and manual queue")]
        self.fields["sequence"].choices = [("", "Choose a sequence")] + [
            (str(s.id), s.name) for s in sequences(active_only=True)]

    def clean(self):
        data = super().clean()
        if data.get("trigger_mode") in (AUTO, BOTH) and not data.get("sequence"):
            self.add_error("sequence", f"Choose the sequence to run for "
                                       f"{events_words(self.info)} (required for auto and both).")
        return data


def webhook_url(request, key: str) -> str:
    return org_base_url(request.tenant) + reverse("integration-webhook", args=[key])


def context(request, conn) -> dict:
    info = get_integration(conn.provider).info
    chosen = conn.settings.get("auto_sequence_id") or ""
    active = {str(s.id) for s in sequences(active_only=True)}
    stale = None
    if chosen and chosen not in active:
        stale = next((s.name for s in sequences(active_only=False) if str(s.id) == chosen),
                     "a deleted sequence")
    values = {
        "trigger_info": info,
        "trigger_html_id": html_id(info),
        "trigger_events_words": events_words(info),
        "trigger_form": TriggerForm(info=info, initial={
            "trigger_mode": trigger_mode(conn), "sequence": chosen if chosen in active else ""}),
        "stale_sequence": stale,
        "webhook_section": None,
    }
    if per_org_webhook(get_integration(conn.provider)):
        values.update(webhook_context(request, conn, info))
    return values


def webhook_context(request, conn, info) -> dict:
    spec = info.webhook
    return {
        "webhook_section": spec.section_template or WEBHOOK_TEMPLATE,
        "webhook_info": spec,
        "webhook_url": webhook_url(request, info.key),
        "secret_source": secrets.source(conn),
        "fallback_state": secrets.fallback_state(conn),
        "signature_required": secrets.signature_required(conn),
        "can_sign": bool(secrets.signing_keys(conn)),
        "secret_created_at": _when(conn.settings.get("webhook_secret_created_at")),
        "previous_secret_until": _grace_until(conn),
    }


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _grace_until(conn) -> datetime | None:
    until = _when(conn.settings.get("previous_webhook_secret_valid_until"))
    return until if until and until > timezone.now() else None


def _does(key: str) -> str:
    return f"configure the {get_integration(key).info.name} integration"


def _admin(view):
    """``org_admin_required`` naming the integration of the URL in the 403 page."""
    def wrapped(request, key, *args, **kwargs):
        try:
            does = _does(key)
        except LookupError:
            does = "configure integrations"
        return org_admin_required(does=does)(view)(request, key, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_POST
@_admin
def save_trigger(request, key):
    integration = integration_for(key, Capability.TRIGGER)
    conn = get_connection(key)
    form = TriggerForm(request.POST, info=integration.info)
    if not form.is_valid():
        if integration.info.render_settings_page is None:
            messages.error(request, next(e for errors in form.errors.values() for e in errors))
        return page(request, integration, status=400, trigger_form=form)
    mode, sequence = form.cleaned_data["trigger_mode"], form.cleaned_data["sequence"]
    conn.update_settings(lambda v: v.update(trigger_mode=mode, auto_sequence_id=sequence))
    messages.success(request, f"Trigger mode saved: {mode}.")
    return back(integration)


def _webhook_integration(key):
    integration = integration_for(key, Capability.TRIGGER)
    if not per_org_webhook(integration):
        from django.http import Http404

        raise Http404(f"{integration.info.name} has no per-organization webhook secret.")
    return integration


@require_POST
@_admin
def generate_secret(request, key):
    """Generate or rotate the org's secret and show it once (in this response only)."""
    integration = _webhook_integration(key)
    conn = get_connection(key)
    had_one = secrets.source(conn) == secrets.ORG
    secret = secrets.rotate(conn)
    messages.success(request, "New webhook secret generated. Copy it now: it is shown only once."
                     + (" The previous secret keeps working for 72 hours." if had_one else ""))
    if integration.info.render_settings_page is None:
        messages.info(request, f"Your new webhook secret: {secret}")
    return page(request, integration, new_secret=secret)


@require_POST
@_admin
def remove_secret(request, key):
    integration = _webhook_integration(key)
    secrets.remove_org_secret(get_connection(key))
    messages.success(request, "The organization's webhook secret was removed.")
    return back(integration)


def _switch(request, name: str) -> bool | None:
    """An on/off choice posted by a settings button, or None for anything else."""
    return {"on": True, "off": False}.get(request.POST.get(name, ""))


@require_POST
@_admin
def webhook_fallback(request, key):
    """Allow or refuse the platform's global secret for this org (when it has none of its own)."""
    integration = _webhook_integration(key)
    conn = get_connection(key)
    allow = _switch(request, "allow")
    if allow is None:
        messages.error(request, "Choose whether the global webhook secret may be used.")
        return back(integration)
    conn.update_settings(lambda v: v.update({secrets.ALLOW_FALLBACK: allow}))
    messages.success(request, "The global webhook secret is " + (
        f"accepted again for this organization (while it is connected to "
        f"{integration.info.name})." if allow
        else "no longer accepted for this organization."))
    return back(integration)


@require_POST
@_admin
def webhook_signing(request, key):
    """Require (or stop requiring) signed requests; needs the org's own secret to sign with."""
    integration = _webhook_integration(key)
    header = integration.info.webhook.signature_header
    if not header:
        from django.http import Http404

        raise Http404(f"{integration.info.name} webhooks are not signed.")
    conn = get_connection(key)
    require = _switch(request, "require")
    if require is None:
        messages.error(request, "Choose whether JSON webhooks must be signed.")
    elif require and not secrets.signing_keys(conn):
        messages.error(request, "Generate a new webhook secret first: signatures are made with "
                                "this organization's own secret.")
    else:
        conn.update_settings(lambda v: v.update({secrets.REQUIRE_SIGNATURE: require}))
        messages.success(request, f"JSON webhooks must now be signed ({header})."
                         if require else "JSON webhooks no longer need a signature.")
    return back(integration)
