"""What the host's sections share: the integration behind a section action, and the answers."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect

from host.contracts import Capability, WebhookStyle
from host.integrations import get_connection, get_integration, is_enabled


def integration_for(key: str, capability: Capability | None = None):
    """The enabled integration ``key`` (with ``capability``), else 404."""
    try:
        integration = get_integration(key)
    except LookupError:
        raise Http404("No such integration.") from None
    if not is_enabled(key) or (capability is not None and not integration.has(capability)):
        raise Http404(f"{integration.info.name} is not available for this organization.")
    return integration


def per_org_webhook(integration) -> bool:
    spec = integration.info.webhook
    return bool(spec and spec.style == WebhookStyle.PER_ORG)


def html_id(info) -> str:
    return info.html_id or info.key


def back(integration):
    """To the integration's configure page (the plugin's, else the host's generic one)."""
    if integration.info.configure_url_name:
        return redirect(integration.info.configure_url_name)
    return redirect("integration-detail", integration.key)


def page(request, integration, status: int = 200, **extra):
    """The configure page again with ``extra`` context (a form's errors, a secret shown once),
    when the plugin can render it (``IntegrationInfo.render_settings_page``); else back."""
    render = integration.info.render_settings_page
    if render is None:
        return back(integration)
    response = render(request, get_connection(integration.key), status=status, **extra)
    response["Cache-Control"] = "no-store"
    return response
