"""The Salesforce configure page, /settings/integrations/salesforce.

Connect, Reconnect and Disconnect post to the host's generic routes
(``/settings/integrations/salesforce/connect`` and ``/disconnect``); the host redirects back
here with a message. Later features add their section templates to ``SECTIONS``.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from host.integrations import get_connection, is_enabled
from host.views.auth import org_admin_required

from . import login_hosts, oauth
from .forms import LoginHostForm

KEY = "salesforce"
SECTIONS = ["salesforce/sections/connection.html"]


@require_GET
@org_admin_required
def settings_page(request):
    if not is_enabled(KEY):
        raise Http404("Salesforce is not available for this organization.")
    conn = get_connection(KEY)
    form = LoginHostForm(initial={
        "login_host": conn.settings.get("login_host", login_hosts.PRODUCTION),
        "my_domain": conn.settings.get("my_domain", "").removeprefix("https://"),
    })
    return render(request, "salesforce/settings.html", {
        "connection": conn,
        "details": conn.details,
        "connected": conn.status == conn.Status.CONNECTED,
        "needs_attention": conn.status == conn.Status.NEEDS_ATTENTION,
        "setup_error": oauth.setup_error(),
        "missing_settings": oauth.missing_settings(),
        "form": form,
        "sections": SECTIONS,
    })
