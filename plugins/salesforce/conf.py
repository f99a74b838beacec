"""The Salesforce plugin's settings (README "Configuration"), read from the environment here,
not in ``host/settings.py``. A Django setting of the same name overrides one (tests'
``override_settings``): see ``host.plugin_settings``. Read them as ``conf.settings.NAME``."""

from __future__ import annotations

import environ

from host.plugin_settings import PluginSettings

env = environ.Env()

settings = PluginSettings(
    # The Connected App's credentials, and the one OAuth callback URL of every org.
    SALESFORCE_CLIENT_ID=env.str("SALESFORCE_CLIENT_ID", default=""),
    SALESFORCE_CLIENT_SECRET=env.str("SALESFORCE_CLIENT_SECRET", default=""),
    SALESFORCE_LOGIN_URL=env.str("SALESFORCE_LOGIN_URL", default="https://login.salesforce.com"),
    SALESFORCE_REDIRECT_URI=env.str(
        "SALESFORCE_REDIRECT_URI", default="http://localhost:8000/oauth/salesforce/callback"),
    SALESFORCE_WEBHOOK_SECRET=env.str("SALESFORCE_WEBHOOK_SECRET", default=""),
    SALESFORCE_API_VERSION=env.str("SALESFORCE_API_VERSION", default="62.0"),
    SALESFORCE_WEBHOOK_MAX_BYTES=env.int("SALESFORCE_WEBHOOK_MAX_BYTES", default=1_000_000),
    # Contact sync: how often the schedule runs, and the share of the org's daily API requests
    # after which a sync stops gracefully (the next run resumes).
    SALESFORCE_SYNC_INTERVAL_MINUTES=env.int("SALESFORCE_SYNC_INTERVAL_MINUTES", default=15),
    SALESFORCE_API_BUDGET_SHARE=env.float("SALESFORCE_API_BUDGET_SHARE", default=0.8),
    SALESFORCE_SYNC_PAGE_SIZE=env.int("SALESFORCE_SYNC_PAGE_SIZE", default=2000),  # SOQL max
    # A first sync of more contacts runs one Bulk API 2.0 job (bulk_sync.py).
    SALESFORCE_BULK_THRESHOLD=env.int("SALESFORCE_BULK_THRESHOLD", default=50_000),
)
