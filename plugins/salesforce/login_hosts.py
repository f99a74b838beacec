"""Where admins sign in to Salesforce (production, sandbox, My Domain) and which URLs we trust.

Salesforce serves OAuth only over HTTPS. The one exception we allow is plain HTTP to a loopback
address, which is how the local emulator runs in development and tests.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings

PRODUCTION = "production"
SANDBOX = "sandbox"
CUSTOM = "custom"
CHOICES = [
    (PRODUCTION, "Production or Developer Edition (login.salesforce.com)"),
    (SANDBOX, "Sandbox (test.salesforce.com)"),
    (CUSTOM, "My Domain"),
]
SANDBOX_URL = "https://test.salesforce.com"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_MY_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.my\.salesforce\.com$")


class LoginHostError(ValueError):
    """An address admins typed that we cannot sign in through; ``str()`` says what to use."""


def is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def check_url(url: str, what: str = "Salesforce address") -> str:
    """Return ``url`` without a trailing slash if it is https (or http on loopback); else raise."""
    parts = urlsplit(url or "")
    if not parts.hostname:
        raise LoginHostError(f"The {what} {url!r} is not a URL.")
    if parts.scheme != "https" and not is_loopback_http(url):
        raise LoginHostError(
            f"The {what} {url!r} must use https:// (plain http is only allowed for a local "
            "Salesforce emulator on 127.0.0.1 or localhost)."
        )
    return url.rstrip("/")


def normalize_my_domain(text: str) -> str:
    """Turn what an admin typed (``acme``, ``acme.my.salesforce.com``, a full URL) into an https
    login URL, or raise ``LoginHostError`` explaining the address to use instead."""
    raw = (text or "").strip()
    if not raw:
        raise LoginHostError("Enter your My Domain, for example acme.my.salesforce.com.")
    if "://" in raw:
        if is_loopback_http(raw):
            return check_url(raw, "My Domain")
        parts = urlsplit(raw)
        if parts.scheme != "https":
            raise LoginHostError("Your My Domain address must start with https://.")
        host = (parts.hostname or "").lower()
        if parts.path not in ("", "/") or parts.query or parts.port:
            raise LoginHostError(f"Enter only the domain, for example https://{host}.")
    else:
        host = raw.rstrip("/").lower()
    if host.endswith(".lightning.force.com"):
        fixed = host.removesuffix(".lightning.force.com") + ".my.salesforce.com"
        raise LoginHostError(
            f"{host} is the Lightning address you browse, not the sign-in address. "
            f"Use https://{fixed} instead."
        )
    if "." not in host and re.fullmatch(_LABEL, host):
        host += ".my.salesforce.com"
    if not _MY_DOMAIN.match(host):
        raise LoginHostError(
            f"{host!r} is not a Salesforce My Domain. It ends in .my.salesforce.com, for "
            "example acme.my.salesforce.com or acme--uat.sandbox.my.salesforce.com (find it in "
            "Salesforce under Setup > My Domain)."
        )
    return f"https://{host}"


def login_url(choice: str, my_domain: str = "") -> str:
    """The login host URL for the admin's choice. ``SALESFORCE_LOGIN_URL`` overrides production."""
    if choice == SANDBOX:
        return SANDBOX_URL
    if choice == CUSTOM:
        return normalize_my_domain(my_domain)
    return check_url(settings.SALESFORCE_LOGIN_URL, "SALESFORCE_LOGIN_URL")


def environment(choice: str, login: str, instance_url: str) -> str:
    """``sandbox`` or ``production``, judged by the login host and the instance address."""
    hosts = [(urlsplit(u).hostname or "") for u in (login, instance_url)]
    if choice == SANDBOX or any(
        h == "test.salesforce.com" or ".sandbox." in h or "--" in h.split(".")[0] for h in hosts
    ):
        return SANDBOX
    return PRODUCTION
