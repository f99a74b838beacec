"""Org pages of the host: home, the integrations list, and the generic integration page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from host import connect
from host.contracts import Capability, ConnectError
from host.integrations import enabled_integrations, get_connection
from host.models import Contact, IntegrationConnection, SyncRun
from host.sync import SyncNotPossible, start_run
from host.tasking import enqueue
from host.views.auth import org_admin_required


@login_required
def home(request):
    cards = _cards()
    return render(request, "host/home.html", {
        "contact_count": Contact.objects.count(),
        "cards": cards,
    })


def _cards():
    integrations = enabled_integrations()
    conns = {c.provider: c for c in IntegrationConnection.objects.filter(
        provider__in=[i.key for i in integrations])}
    cards = []
    for integration in integrations:
        conn = conns.get(integration.key) or IntegrationConnection(provider=integration.key)
        cards.append({"integration": integration, "info": integration.info,
                      "connection": conn, "configure_url": configure_url(integration),
                      "status_label": status_label(conn)})
    return cards


def status_label(conn: IntegrationConnection) -> str:
    """The card's status: Not connected / Connected / Needs attention."""
    if conn.status == IntegrationConnection.Status.CONNECTED:
        return "Connected"
    if conn.status == IntegrationConnection.Status.NEEDS_ATTENTION:
        return "Needs attention"
    return "Not connected"


@require_GET
@org_admin_required
def integrations(request):
    return render(request, "host/integrations.html", {"cards": _cards()})


def integration_or_404(key: str):
    for integration in enabled_integrations():
        if integration.key == key:
            return integration
    raise Http404("No such integration.")


@require_GET
@org_admin_required
def integration_detail(request, key):
    integration = integration_or_404(key)
    conn = get_connection(key)
    return render(request, "host/integration_detail.html", {
        "integration": integration, "info": integration.info, "connection": conn,
        "status_label": status_label(conn), "runs": conn.sync_runs.all()[:10],
    })


def configure_url(integration) -> str:
    name = integration.info.configure_url_name
    return reverse(name) if name else reverse("integration-detail", args=[integration.key])


@require_POST
@org_admin_required
def connect_start(request, key):
    integration = integration_or_404(key)
    if not integration.has(Capability.CONNECT):
        raise Http404("This integration has nothing to connect.")
    try:
        return HttpResponseRedirect(connect.begin(request, key))
    except ConnectError as exc:
        messages.error(request, str(exc))
        return redirect(configure_url(integration))


@require_GET
@org_admin_required
def connect_complete(request, key):
    integration = integration_or_404(key)
    try:
        conn = connect.complete(request, key)
    except connect.StateError as exc:
        messages.error(request, f"{exc} Reconnect with a fresh session and avoid stale tabs.")
    except ConnectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Connected as {conn.account_label}.")
    return redirect(configure_url(integration))


@require_POST
@org_admin_required
def disconnect(request, key):
    integration = integration_or_404(key)
    message = connect.disconnect(key)
    messages.success(request, f"{integration.info.name} is disconnected. {message}".strip())
    return redirect(configure_url(integration))


@require_GET
@org_admin_required
def sync_progress(request, key):
    """The latest sync run of an integration, for the live progress bar."""
    integration_or_404(key)
    run = SyncRun.objects.filter(connection__provider=key).order_by("-started_at").first()
    if run is None:
        return JsonResponse({"status": "none", "processed": 0, "total": None})
    return JsonResponse({"status": run.status, "processed": run.processed, "total": run.total,
                         "percent": run.percent, "error": run.error})


@require_POST
@org_admin_required
def sync_now(request, key):
    from host.tasks import run_sync_task

    integration = integration_or_404(key)
    try:
        run = start_run(key, trigger="manual")
    except SyncNotPossible as exc:
        messages.error(request, str(exc))
    else:
        enqueue(run_sync_task, run.pk)
        messages.success(request, "Sync started.")
    return redirect(configure_url(integration))
