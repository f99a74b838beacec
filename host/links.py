"""Absolute links to an organization's host: the one place an org URL is built.

Always from the configured public scheme and port (``ORG_URL_SCHEME``, ``ORG_URL_PORT``), never
from the request at hand: behind a TLS-terminating proxy the app hears plain HTTP on an
internal port, and emails are built with no request at all.
"""

from django.conf import settings


def org_base_url(org) -> str:
    port = settings.ORG_URL_PORT
    suffix = f":{port}" if port and port not in ("80", "443") else ""
    return f"{settings.ORG_URL_SCHEME}://{org.primary_host}{suffix}"


def public_base_url() -> str:
    """The platform's own (public) host, e.g. for app-level webhooks (one URL for every org)."""
    port = settings.ORG_URL_PORT
    suffix = f":{port}" if port and port not in ("80", "443") else ""
    return f"{settings.ORG_URL_SCHEME}://{settings.PLATFORM_DOMAIN}{suffix}"
