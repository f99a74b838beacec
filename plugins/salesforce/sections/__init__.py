"""The configure page's sections, in page order. Each module has ``TEMPLATE``, a
``context(request, connection) -> dict`` and optional ``urlpatterns`` for its own POST actions
(mounted under /settings/integrations/salesforce/). ``events`` is the host's event log
(``host.sections``); ``trigger`` is the host's trigger and webhook section with Salesforce's
words."""

from host.sections import events
from plugins.salesforce.sections import (
    connection,
    mapping,
    pushback,
    setup_check,
    sync,
    trigger,
)

SECTIONS = [connection, trigger, mapping, sync, events, setup_check, pushback]
