"""Absolute links to an organization's host, for emails and redirects made outside a request."""

from django.conf import settings


def org_base_url(org) -> str:
    port = settings.ORG_URL_PORT
    suffix = f":{port}" if port and port not in ("80", "443") else ""
    return f"{settings.ORG_URL_SCHEME}://{org.get_primary_domain().domain}{suffix}"
