"""The org navigation entry of Settings > API, for the host's navigation (label, URL name)."""

NAV_ITEMS = [("Settings > API", "api-keys")]
