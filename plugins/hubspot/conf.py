"""The one place the HubSpot plugin reads its settings from: ``conf.settings.HUBSPOT_*``.

Today these are Django settings defined in ``host/settings.py`` (beside ``SALESFORCE_*``). Once
the host's ``PluginSettings`` lands (branch host-contract), the ``HUBSPOT_*`` lines move here as
``settings = PluginSettings(HUBSPOT_CLIENT_ID=env.str(...), ...)`` and ``IntegrationInfo`` gets
``settings=conf.settings``; no other module of the plugin changes.
"""

from django.conf import settings  # noqa: F401 - re-exported
