"""The HubSpot plugin's settings (README "Configuration"), read from the environment here, not in
``host/settings.py``. A Django setting of the same name overrides one (tests'
``override_settings``): see ``host.plugin_settings``. Read them as ``conf.settings.NAME``."""

from __future__ import annotations

import environ

from host.plugin_settings import PluginSettings

env = environ.Env()

settings = PluginSettings(
    # The public app's OAuth credentials and hosts. The client secret also signs HubSpot's
    # webhooks (v3 signature).
    HUBSPOT_CLIENT_ID=env.str("HUBSPOT_CLIENT_ID", default=""),
    HUBSPOT_CLIENT_SECRET=env.str("HUBSPOT_CLIENT_SECRET", default=""),
    HUBSPOT_AUTH_URL=env.str("HUBSPOT_AUTH_URL", default="https://app.hubspot.com"),
    HUBSPOT_API_URL=env.str("HUBSPOT_API_URL", default="https://api.hubapi.com"),
    HUBSPOT_REDIRECT_URI=env.str(
        "HUBSPOT_REDIRECT_URI", default="http://localhost:8000/oauth/hubspot/callback"),
    HUBSPOT_SYNC_INTERVAL_MINUTES=env.int("HUBSPOT_SYNC_INTERVAL_MINUTES", default=15),
    # How far behind now a sync run stops: HubSpot's search index shows writes up to ~30 s late.
    HUBSPOT_SYNC_LAG_SECONDS=env.int("HUBSPOT_SYNC_LAG_SECONDS", default=60),
)
