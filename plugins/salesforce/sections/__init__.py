"""The configure page's sections, in page order. Each module has ``TEMPLATE``, a
``context(request, connection) -> dict`` and optional ``urlpatterns`` for its own POST actions
(mounted under /settings/integrations/salesforce/). Connection, sync and the event log are the
host's (``host.sections``), driven by what the plugin declares in its ``IntegrationInfo``;
``trigger`` is the host's trigger and webhook section with Salesforce's words."""

from host.sections import connection, events, sync
from plugins.salesforce.sections import (
    mapping,
    pushback,
    setup_check,
    trigger,
)

SECTIONS = [connection, trigger, mapping, sync, events, setup_check, pushback]
