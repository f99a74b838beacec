"""The configure page's sections, in page order. Each has ``TEMPLATE``, a
``context(request, connection) -> dict`` and ``urlpatterns`` for its own POST actions
(mounted under /settings/integrations/salesforce/). Field mapping and the pushback log are the
host's sections (``host.sections``), driven by the plugin's ``PushbackSpec``."""

from host.sections.field_mapping import FieldMappingSection
from host.sections.pushback_log import PushbackLogSection
from plugins.salesforce.sections import (
    connection,
    events,
    setup_check,
    sync,
    trigger,
)


def _render_page(request, conn, status=200, **extra):
    from plugins.salesforce.views import render_settings

    return render_settings(request, conn, status=status, **extra)


mapping = FieldMappingSection("salesforce", _render_page, ids="sf")
pushback = PushbackLogSection("salesforce", ids="sf")

SECTIONS = [connection, trigger, mapping, sync, events, setup_check, pushback]
