"""The configure page's sections, in page order. Each module has ``TEMPLATE``, a
``context(request, connection) -> dict`` and optional ``urlpatterns`` for its own POST actions
(mounted under /settings/integrations/salesforce/)."""

from plugins.salesforce.sections import (
    connection,
    events,
    mapping,
    pushback,
    setup_check,
    sync,
    trigger,
)

SECTIONS = [connection, trigger, mapping, sync, events, setup_check, pushback]
