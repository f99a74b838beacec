"""The org navigation entry of Settings > API, for the host's navigation.

Admin-only, like the page behind it (``org_admin_required``): members never see the link.
"""

from host.contracts import NavItem

NAV_ITEMS = [NavItem("Settings > API", "api-keys", admin_only=True)]
