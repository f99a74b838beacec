"""The HubSpot configure page, /settings/integrations/hubspot, built from its sections.

Connect, Reconnect, Disconnect and Sync Now post to the host's generic routes; each section
(``sections/``, all but the trigger's the host's) adds its own context and POST actions. The
host refuses every page here with 404 where HubSpot is disabled.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from host.integrations import get_connection
from host.views.auth import org_admin_required
from plugins.hubspot.sections import SECTIONS

KEY = "hubspot"


def render_settings(request, conn, status: int = 200, **extra):
    """The whole page with ``extra`` context (``IntegrationInfo.render_settings_page``), for
    the host's section actions that answer with it (form errors, Test Fields' table)."""
    context = {"connection": conn, "sections": [s.TEMPLATE for s in SECTIONS]}
    for section in SECTIONS:
        context.update(section.context(request, conn))
    context.update(extra)
    return render(request, "hubspot/settings.html", context, status=status)


@require_GET
@org_admin_required(does="configure the HubSpot integration")
def settings_page(request):
    return render_settings(request, get_connection(KEY))
