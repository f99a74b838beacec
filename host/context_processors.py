from django.urls import NoReverseMatch, reverse

from host import hooks
from host.contracts import NavItem

# The host's own links, around the plugins' ones: Home first, Settings > Integrations last.
# Integrations is for every member: they see the cards' statuses, only admins the controls.
HOME = NavItem("Home", "home")
INTEGRATIONS = NavItem("Settings > Integrations", "integrations")
# The API framework's keys page (admin-only, like the page behind it: members never see it).
API_KEYS = NavItem("Settings > API", "api-keys", admin_only=True)


def platform(request):
    """The current organization (None on the public host) and the main navigation.

    The navigation holds only the links the user's role can open, and marks the current one:
    ``current`` is ``"page"`` on the page itself and ``"true"`` on a page below it (a sequence
    under Sequences), rendered as ``aria-current``.
    """
    tenant = getattr(request, "tenant", None)
    org = tenant if tenant is not None and tenant.schema_name != "public" else None
    nav = []
    if org is not None:
        nav = nav_items(request)
    return {"org": org, "nav_items": nav}


def nav_items(request) -> list[dict]:
    from host.views.auth import ADMIN_ROLES

    is_admin = getattr(request, "org_role", None) in ADMIN_ROLES
    items = [HOME]
    items += [*hooks.platform.platform_nav_items(), API_KEYS, INTEGRATIONS]
    nav = []
    for item in items:
        if item.admin_only and not is_admin:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        nav.append({"label": item.label, "url": url, "current": _current(request.path, url)})
    return nav


def _current(path: str, url: str) -> str:
    if path == url:
        return "page"
    if url != "/" and path.startswith(url.rstrip("/") + "/"):
        return "true"
    return ""
