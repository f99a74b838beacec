"""The Salesforce configure page, /settings/integrations/salesforce, built from its sections.

Connect, Reconnect and Disconnect post to the host's generic routes
(``/settings/integrations/salesforce/connect`` and ``/disconnect``); the host redirects back
here with a message. Each section (``sections/``, two of them the host's) adds its own context
and POST actions. The host refuses every page here with 404 where Salesforce is disabled.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from host.integrations import get_connection
from host.views.auth import org_admin_required
from plugins.salesforce.sections import SECTIONS

KEY = "salesforce"


def settings_context(request, conn) -> dict:
    context = {"connection": conn, "sections": [s.TEMPLATE for s in SECTIONS]}
    for section in SECTIONS:
        context.update(section.context(request, conn))
    return context


def render_settings(request, conn, status: int = 200, **extra):
    """The whole configure page with ``extra`` context (``IntegrationInfo.render_settings_page``):
    the host's section actions answer with it for form errors, Test Fields' table, or a secret
    shown once."""
    context = settings_context(request, conn)
    context.update(extra)
    return render(request, "salesforce/settings.html", context, status=status)


@require_GET
@org_admin_required(does="configure the Salesforce integration")
def settings_page(request):
    conn = get_connection(KEY)
    return render_settings(request, conn)
