"""Salesforce setup check (issue 16): run on demand, shows each line green or red with the remedy."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from host.integrations import get_connection
from host.links import org_base_url
from host.views.auth import org_admin_required
from plugins.salesforce.sections.trigger import webhook_path
from plugins.salesforce.setup_check import run_setup_check

KEY = "salesforce"
TEMPLATE = "salesforce/sections/setup_check.html"


def context(request, conn) -> dict:
    return {"setup_check": None}


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def run_check(request):
    from plugins.salesforce.views import settings_context

    conn = get_connection(KEY)
    lines = run_setup_check(conn, org_base_url(request.tenant) + webhook_path())
    ctx = settings_context(request, conn)
    ctx.update(setup_check=lines, setup_check_ok=all(line.ok for line in lines))
    return render(request, "salesforce/settings.html", ctx)


urlpatterns = [
    path("settings/integrations/salesforce/setup-check", run_check, name="setup-check"),
]
