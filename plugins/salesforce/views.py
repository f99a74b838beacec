"""The Salesforce configure page, /settings/integrations/salesforce, built from its sections.

Connect, Reconnect and Disconnect post to the host's generic routes
(``/settings/integrations/salesforce/connect`` and ``/disconnect``); the host redirects back
here with a message. Each section (``sections/``) adds its own context and POST actions.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from host.integrations import get_connection, get_integration, is_enabled
from host.views.auth import org_admin_required
from plugins.salesforce.sections import SECTIONS

KEY = "salesforce"


def settings_context(request, conn) -> dict:
    context = {"connection": conn, "sections": [s.TEMPLATE for s in SECTIONS],
               "sync_info": get_integration(KEY).info}
    for section in SECTIONS:
        context.update(section.context(request, conn))
    return context


def render_settings(request, conn, status: int = 200, **extra):
    """The whole configure page, with what an action adds (form errors, Test Fields' table)."""
    context = settings_context(request, conn)
    context.update(extra)
    return render(request, "salesforce/settings.html", context, status=status)


@require_GET
@org_admin_required(does="configure the Salesforce integration")
def settings_page(request):
    if not is_enabled(KEY):
        raise Http404("Salesforce is not available for this organization.")
    conn = get_connection(KEY)
    return render(request, "salesforce/settings.html", settings_context(request, conn))
