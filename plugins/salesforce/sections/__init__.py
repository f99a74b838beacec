"""The configure page's sections, in page order. Each has ``TEMPLATE``, a
``context(request, connection) -> dict`` and optional ``urlpatterns`` for its own POST actions
(mounted under /settings/integrations/salesforce/). Connection, sync, the event log, the field
mapping and the pushback log are the host's (``host.sections``), driven by what the plugin
declares in its ``IntegrationInfo`` (``pushback``: its ``PushbackSpec``); ``trigger`` is the
host's trigger and webhook section with Salesforce's words."""

from host.sections import connection, events, sync
from host.sections.field_mapping import FieldMappingSection
from host.sections.pushback_log import PushbackLogSection
from plugins.salesforce.sections import (
    setup_check,
    trigger,
)


def _render_page(request, conn, status=200, **extra):
    from plugins.salesforce.views import render_settings

    return render_settings(request, conn, status=status, **extra)


mapping = FieldMappingSection("salesforce", _render_page, ids="sf")
pushback = PushbackLogSection("salesforce", ids="sf")

SECTIONS = [connection, trigger, mapping, sync, events, setup_check, pushback]
