"""The configure page's sections, in page order: the host's (``host.sections``), driven by what
the plugin declares in its ``IntegrationInfo``, and ``trigger``, the host's trigger section with
HubSpot's words: the app webhook (one URL on the platform's host, no per-org secret) and the
development-only *Win a deal* button."""

from host.sections import connection, events, sync
from host.sections.field_mapping import FieldMappingSection
from host.sections.pushback_log import PushbackLogSection
from plugins.hubspot.sections import trigger


def _render_page(request, conn, status=200, **extra):
    from plugins.hubspot.views import render_settings

    return render_settings(request, conn, status=status, **extra)


mapping = FieldMappingSection("hubspot", _render_page, ids="hs")
pushback = PushbackLogSection("hubspot", ids="hs")

SECTIONS = [connection, trigger, mapping, sync, events, pushback]
