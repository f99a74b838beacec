"""Org pages of the host: home, the Integrations cards, and the generic integration page.

The Integrations card carries the user guide's controls for every integration (*Connect
<Name>*, *Configure*, *Sync Now*, *Disconnect*, *Reconnect*); the same POST routes serve the
plugins' configure pages, and each sends the admin back to the page they came from (``next``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from host import connect, hooks
from host.contracts import Capability, ConnectError
from host.integrations import enabled_integrations, get_connection
from host.models import Contact, IntegrationConnection, SyncRun
from host.sections import connection as connection_section
from host.sections import sync as sync_section
from host.sync import SyncNotPossible, start_run
from host.tasking import enqueue
from host.views.auth import ADMIN_ROLES, org_admin_required, org_member_required

# Where a control on the card sends the admin back to; anything else means the configure page.
# A symbolic value, not a path, so ``next`` can never become an open redirect.
FROM_CARD = "integrations"
DETAIL_SECTIONS = [connection_section, sync_section]


@login_required
def home(request):
    """The org home: the plugins' panels (the results dashboard), then contacts and integrations."""
    return render(request, "host/home.html", {
        "panels": home_panels(request),
        "contact_count": Contact.objects.count(),
        "cards": _cards(),
    })


def home_panels(request) -> list[str]:
    """Each plugin's home panels, rendered (``platform_home_panels``)."""
    return [render_to_string(panel.template, panel.context, request=request)
            for panel in hooks.platform.platform_home_panels(request=request)]


def _cards():
    """One card per enabled integration: its connection and latest sync run (two queries)."""
    integrations = enabled_integrations()
    keys = [i.key for i in integrations]
    conns = {c.provider: c for c in IntegrationConnection.objects.filter(provider__in=keys)}
    last_runs = {
        run.connection.provider: run
        for run in SyncRun.objects.filter(connection__provider__in=keys)
        .select_related("connection")
        .order_by("connection__provider", "-started_at")
        .distinct("connection__provider")
    }
    cards = []
    for integration in integrations:
        conn = conns.get(integration.key) or IntegrationConnection(provider=integration.key)
        cards.append({"integration": integration, "info": integration.info,
                      "connection": conn, "configure_url": configure_url(integration),
                      "status_label": status_label(conn),
                      "missing_settings": integration.missing_settings(),
                      "can_connect": integration.has(Capability.CONNECT),
                      "can_sync": integration.has(Capability.SYNC),
                      "last_run": last_runs.get(integration.key)})
    return cards


def status_label(conn: IntegrationConnection) -> str:
    """The card's status: Not connected / Connected / Needs attention."""
    if conn.status == IntegrationConnection.Status.CONNECTED:
        return "Connected"
    if conn.status == IntegrationConnection.Status.NEEDS_ATTENTION:
        return "Needs attention"
    return "Not connected"


@require_GET
@org_member_required
def integrations(request):
    """Settings > Integrations: every member sees the status, owners and admins the controls."""
    return render(request, "host/integrations.html", {
        "cards": _cards(), "can_manage": request.org_role in ADMIN_ROLES, "from_card": FROM_CARD,
    })


def integration_or_404(key: str):
    for integration in enabled_integrations():
        if integration.key == key:
            return integration
    raise Http404("No such integration.")


@require_GET
@org_admin_required(does="configure, connect, sync or disconnect integrations")
def integration_detail(request, key):
    """The configure page of an integration without a page of its own: the host's sections."""
    integration = integration_or_404(key)
    conn = get_connection(key)
    context = {"integration": integration, "info": integration.info, "connection": conn}
    for section in DETAIL_SECTIONS:
        context.update(section.context(request, conn))
    context["sections"] = [section.TEMPLATE for section in DETAIL_SECTIONS]
    return render(request, "host/integration_detail.html", context)


def configure_url(integration) -> str:
    name = integration.info.configure_url_name
    return reverse(name) if name else reverse("integration-detail", args=[integration.key])


def back_url(request, integration) -> str:
    """The page a control was used from: the Integrations card or the configure page."""
    came_from = request.POST.get("next") or request.GET.get("next")
    return reverse("integrations") if came_from == FROM_CARD else configure_url(integration)


def stopped_by_disconnect(integration) -> str:
    """What disconnecting stops, in the guide's words, from the integration's capabilities."""
    words = {Capability.SYNC: "contact sync", Capability.TRIGGER: "triggers",
             Capability.PUSHBACK: "score pushback"}
    stops = [label for capability, label in words.items() if integration.has(capability)]
    if len(stops) < 2:
        return "".join(stops) or "the integration"
    return ", ".join(stops[:-1]) + " and " + stops[-1]


@require_POST
@org_admin_required(does="configure, connect, sync or disconnect integrations")
def connect_start(request, key):
    integration = integration_or_404(key)
    if not integration.has(Capability.CONNECT):
        raise Http404("This integration has nothing to connect.")
    back = back_url(request, integration)
    try:
        return HttpResponseRedirect(connect.begin(request, key, return_to=back))
    except ConnectError as exc:
        messages.error(request, str(exc))
        return redirect(back)


@require_GET
@org_admin_required(does="configure, connect, sync or disconnect integrations")
def connect_complete(request, key):
    integration = integration_or_404(key)
    back = connect.return_path(request, key) or configure_url(integration)
    try:
        conn = connect.complete(request, key)
    except connect.StateError as exc:
        messages.error(request, f"{exc} Reconnect with a fresh session and avoid stale tabs.")
    except ConnectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{integration.info.name} is connected as {conn.account_label}.")
    return redirect(back)


@require_http_methods(["GET", "POST"])
@org_admin_required(does="configure, connect, sync or disconnect integrations")
def disconnect(request, key):
    """GET: the confirmation, saying what stops. POST: revoke and disconnect."""
    integration = integration_or_404(key)
    if request.method == "GET":
        return render(request, "host/disconnect_confirm.html", {
            "info": integration.info, "connection": get_connection(key),
            "stops": stopped_by_disconnect(integration), "back": back_url(request, integration),
            "next": FROM_CARD if request.GET.get("next") == FROM_CARD else "",
        })
    message = connect.disconnect(key)
    messages.success(request, f"{integration.info.name} is disconnected. {message}".strip())
    return redirect(back_url(request, integration))


@require_GET
@org_member_required
def sync_progress(request, key):
    """The latest sync run of an integration, for the live progress bar.

    For every member: the Integrations cards they see poll it while a sync runs."""
    integration_or_404(key)
    run = SyncRun.objects.filter(connection__provider=key).order_by("-started_at").first()
    if run is None:
        return JsonResponse({"status": "none", "processed": 0, "total": None})
    return JsonResponse({"status": run.status, "processed": run.processed, "total": run.total,
                         "percent": run.percent, "error": run.error})


@require_POST
@org_admin_required(does="configure, connect, sync or disconnect integrations")
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
    return redirect(back_url(request, integration))
