"""The configure page's sections, in page order. Each module has ``TEMPLATE``, a
``context(request, connection) -> dict`` and optional ``urlpatterns`` for its own POST actions
(mounted under /settings/integrations/salesforce/). Connection and sync are the host's
(``host.sections``), driven by what the plugin declares in its ``IntegrationInfo``."""

from host.sections import connection, sync
from plugins.salesforce.sections import (
    events,
    mapping,
    pushback,
    setup_check,
    trigger,
)

SECTIONS = [connection, trigger, mapping, sync, events, setup_check, pushback]
