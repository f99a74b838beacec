"""The HubSpot configure page, /settings/integrations/hubspot: connection, trigger mode and
sequence, field mapping with *Test Fields* and *Create missing properties*, contact sync.

Connect, Reconnect, Disconnect and Sync Now post to the host's generic routes. The event log,
pushback log and webhook secret sections come from the host once it has generic sections.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from host.integrations import get_connection, get_integration, is_enabled
from host.trigger import queue_enabled, trigger_mode
from host.views.auth import org_admin_required

from . import errors, fields, oauth
from .forms import FieldMapForm, TriggerForm

KEY = "hubspot"
DOES = "configure the HubSpot integration"


def _connection():
    if not is_enabled(KEY):
        raise Http404("HubSpot is not available for this organization.")
    return get_connection(KEY)


def _page(request, conn, **extra):
    context = {
        "connection": conn, "info": get_integration(KEY).info, "details": conn.details,
        "connected": conn.status == conn.Status.CONNECTED,
        "needs_attention": conn.status == conn.Status.NEEDS_ATTENTION,
        "setup_error": oauth.setup_error(), "missing_settings": oauth.missing_settings(),
        "runs": conn.sync_runs.all()[:10], "queue_enabled": queue_enabled(conn),
        "trigger_form": TriggerForm(initial={"trigger_mode": trigger_mode(conn),
                                             "sequence": conn.settings.get("auto_sequence_id", "")}),
        "field_form": FieldMapForm(initial=fields.field_map(conn)),
        "webhook_url": request.build_absolute_uri("/api/v1/integrations/hubspot/webhook"),
        **extra,
    }
    return render(request, "hubspot/settings.html", context)


@require_GET
@org_admin_required(does=DOES)
def settings_page(request):
    return _page(request, _connection())


@require_POST
@org_admin_required(does=DOES)
def save_trigger(request):
    conn = _connection()
    form = TriggerForm(request.POST)
    if not form.is_valid():
        return _page(request, conn, trigger_form=form)
    mode, sequence = form.cleaned_data["trigger_mode"], form.cleaned_data["sequence"]
    conn.update_settings(lambda values: values.update(trigger_mode=mode, auto_sequence_id=sequence))
    messages.success(request, "Trigger settings saved.")
    return redirect("hubspot:settings")


@require_POST
@org_admin_required(does=DOES)
def save_fields(request):
    conn = _connection()
    form = FieldMapForm(request.POST)
    if not form.is_valid():
        return _page(request, conn, field_form=form)
    mapping = dict(form.cleaned_data)
    conn.update_settings(lambda values: values.update(field_map=mapping))
    messages.success(request, "Field mapping saved.")
    return redirect("hubspot:settings")


def _client_or_message(request, conn):
    from .client import HubSpotClient

    if not conn.is_connected:
        messages.error(request, "Connect HubSpot first.")
        return None
    return HubSpotClient(conn)


@require_POST
@org_admin_required(does=DOES)
def test_fields(request):
    conn = _connection()
    client = _client_or_message(request, conn)
    if client is None:
        return redirect("hubspot:settings")
    form = FieldMapForm(request.POST)  # the mapping as typed: test before saving
    mapping = dict(form.cleaned_data) if form.is_valid() else fields.field_map(conn)
    try:
        checks = fields.test_fields(client, mapping)
    except errors.HubSpotError as exc:
        messages.error(request, f"Test Fields could not read HubSpot: {exc.message}")
        return redirect("hubspot:settings")
    extra = {"field_form": form} if form.is_valid() else {}
    return _page(request, conn, checks=checks, **extra)


@require_POST
@org_admin_required(does=DOES)
def create_fields(request):
    conn = _connection()
    client = _client_or_message(request, conn)
    if client is None:
        return redirect("hubspot:settings")
    try:
        created = fields.create_missing(client, fields.field_map(conn))
    except errors.HubSpotError as exc:
        messages.error(request, f"The properties could not be created: {exc.message}")
        return redirect("hubspot:settings")
    if created:
        messages.success(request, "Created in HubSpot: " + ", ".join(created) + ".")
    else:
        messages.success(request, "Every mapped property already exists.")
    return redirect("hubspot:settings")
