"""The Content-Security-Policy header (django-csp), with the CRMs' sign-in pages allowed as
form targets on org hosts.

The policy itself is ``CONTENT_SECURITY_POLICY`` in settings. ``form-action 'self'`` alone would
block *Connect*: the button POSTs to our own URL, which answers with a 302 to the CRM's
authorization page, and Chromium applies ``form-action`` to every redirect of a form submission.
So on org hosts the origins each enabled integration declares (``IntegrationInfo.
connect_origins``) are added to ``form-action``, and nothing else is loosened.
"""

from __future__ import annotations

import logging

from csp.middleware import CSPMiddleware, PolicyParts

from host.integrations import enabled_integrations

log = logging.getLogger(__name__)


def connect_origins(org) -> list[str]:
    origins: list[str] = []
    for integration in enabled_integrations(org):
        source = integration.info.connect_origins
        for origin in (source() if source else ()):
            if origin not in origins:
                origins.append(origin)
    return origins


class PlatformCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        tenant = getattr(request, "tenant", None)
        if report_only or tenant is None or tenant.schema_name == "public":
            return parts
        try:
            origins = connect_origins(tenant)
        except Exception:  # noqa: BLE001 - a broken plugin must not take the error pages down
            log.exception("Could not read the integrations' connect origins")
            return parts
        if origins:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            parts.update = update
        return parts
