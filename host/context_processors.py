from django.urls import NoReverseMatch, reverse

from host.plugin_manager import hooks


def platform(request):
    """The current organization (None on the public host) and the plugins' navigation."""
    tenant = getattr(request, "tenant", None)
    org = tenant if tenant is not None and tenant.schema_name != "public" else None
    nav = []
    if org is not None:
        from api.nav import NAV_ITEMS

        for items in [*hooks().platform_nav_items(), NAV_ITEMS]:
            for label, url_name in items or []:
                try:
                    nav.append({"label": label, "url": reverse(url_name)})
                except NoReverseMatch:
                    continue
    return {"org": org, "nav_items": nav}
