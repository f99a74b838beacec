"""Where admins sign in to Salesforce (production, sandbox, My Domain) and which URLs we trust.

Salesforce serves OAuth only over HTTPS, on its own domains. The platform sends its client secret
to the login host, so an org admin can only choose a bare https Salesforce domain. The one
exception is the operator's ``SALESFORCE_LOGIN_URL``: it may be plain HTTP on loopback (the
local emulator in development and tests), and addresses on that origin are trusted.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

from plugins.salesforce.conf import settings

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

# The hosts Salesforce serves OAuth and the REST API on: the two generic login hosts, and My
# Domains (production, ``--<sandbox>.sandbox``, ``.develop``/``.scratch``/... partitions) in the
# commercial cloud, Government Cloud Plus (.mil) and the Alibaba-operated China cloud.
# Experience Cloud sites (``*.my.site.com``) are left out on purpose: an integration signs in as
# an internal user, never through a community.
FIXED_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})
MY_DOMAIN_SUFFIXES = (".my.salesforce.com", ".my.salesforce.mil", ".my.sfcrmproducts.cn")

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_MY_DOMAIN = re.compile(
    rf"^{_LABEL}(?:\.{_LABEL})*(?:" + "|".join(re.escape(s) for s in MY_DOMAIN_SUFFIXES) + ")$")


class LoginHostError(ValueError):
    """An address admins typed that we cannot sign in through; ``str()`` says what to use."""


def is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def is_salesforce_host(host: str) -> bool:
    host = (host or "").lower()
    return host in FIXED_HOSTS or bool(_MY_DOMAIN.match(host))


def _origin(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}".lower()


def operator_url() -> str:
    """``SALESFORCE_LOGIN_URL``, checked: https, or http on loopback (the local emulator)."""
    url = settings.SALESFORCE_LOGIN_URL or ""
    parts = urlsplit(url)
    if not parts.hostname or (parts.scheme != "https" and not is_loopback_http(url)):
        raise LoginHostError(
            f"The SALESFORCE_LOGIN_URL {url!r} must use https:// (plain http is only allowed "
            "for a local Salesforce emulator on 127.0.0.1 or localhost)."
        )
    return url.rstrip("/")


def is_operator_emulator(url: str) -> bool:
    """True for an address on the loopback emulator the operator configured (never a form's)."""
    configured = settings.SALESFORCE_LOGIN_URL or ""
    return is_loopback_http(configured) and _origin(url) == _origin(configured)


def check_url(url: str, what: str = "Salesforce address", path: re.Pattern | None = None) -> str:
    """Return ``url`` (no trailing slash) if we may send credentials to it, else raise.

    Allowed: ``https://`` on a Salesforce domain with no port, credentials, query or fragment,
    and a path only where ``path`` says; or anything on the operator's own
    ``SALESFORCE_LOGIN_URL`` origin (the emulator, or a host the operator chose)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.hostname and _origin(url) == _origin(settings.SALESFORCE_LOGIN_URL or "") and (
            parts.scheme == "https" or is_operator_emulator(url)):
        return url.rstrip("/")
    try:
        port = parts.port
    except ValueError:
        port = "invalid"
    plain = parts.path in ("", "/") if path is None else bool(path.fullmatch(parts.path))
    if (parts.scheme != "https" or not is_salesforce_host(parts.hostname or "") or port
            or parts.username or parts.password or parts.query or parts.fragment or not plain
            or "@" in parts.netloc):
        raise LoginHostError(
            f"The {what} {url!r} is not a Salesforce https:// address (no port, path or "
            "credentials); the platform does not send credentials there."
        )
    return url.rstrip("/")


class EmulatorHttpAdapter(HTTPAdapter):
    """Sends ``https://`` requests over plain http; mounted only for the operator's loopback
    emulator, on one session (oauthlib and simple-salesforce insist on https URLs, and
    oauthlib's only opt-out, ``OAUTHLIB_INSECURE_TRANSPORT``, would switch it off process-wide)."""

    def send(self, request, **kwargs):
        if request.url.startswith("https://"):
            request.url = "http://" + request.url.removeprefix("https://")
        return super().send(request, **kwargs)


def https_form(url: str, session=None) -> str:
    """``url`` as the https URL libraries accept; for the operator's emulator, also mount the
    adapter that really speaks http to it on ``session``. Other URLs are returned unchanged."""
    if not is_operator_emulator(url):
        return url
    secure = "https://" + url.removeprefix("http://")
    if session is not None:
        session.trust_env = False  # no proxies for loopback
        session.mount(_origin(secure) + "/", EmulatorHttpAdapter())
    return secure


IDENTITY_PATH = re.compile(r"/id/[A-Za-z0-9]{15,18}/[A-Za-z0-9]{15,18}/?")


def normalize_my_domain(text: str) -> str:
    """Turn what an admin typed (``acme``, ``acme.my.salesforce.com``, a full URL) into an https
    login URL, or raise ``LoginHostError`` explaining the address to use instead.

    Only a bare https Salesforce domain is accepted: no other scheme, port, path, query or
    credentials, and never a loopback address, so an admin cannot point the platform (which
    sends its client secret to this host) anywhere else. The message never depends on whether
    anything answers at the address: nothing is contacted here."""
    raw = (text or "").strip()
    if not raw:
        raise LoginHostError("Enter your My Domain, for example acme.my.salesforce.com.")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme.lower() != "https":
        raise LoginHostError("Your My Domain address must start with https://.")
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = "invalid"
    if (parts.path not in ("", "/") or parts.query or parts.fragment or port or "@" in parts.netloc
            or raw.endswith(("?", "#"))):
        example = host or "acme.my.salesforce.com"
        raise LoginHostError(f"Enter only the domain, for example https://{example}.")
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
    return operator_url()


def environment(choice: str, login: str, instance_url: str) -> str:
    """``sandbox`` or ``production``, judged by the login host and the instance address."""
    hosts = [(urlsplit(u).hostname or "") for u in (login, instance_url)]
    if choice == SANDBOX or any(
        h == "test.salesforce.com" or ".sandbox." in h or "--" in h.split(".")[0] for h in hosts
    ):
        return SANDBOX
    return PRODUCTION


def connect_origins() -> list[str]:
    """Where the Connect button's POST may be redirected: the generic login hosts, any My Domain
    (``*.my.salesforce.com`` and the other clouds), and the operator's ``SALESFORCE_LOGIN_URL``
    (the emulator in development). For the pages' Content-Security-Policy ``form-action``."""
    origins = [f"https://{host}" for host in sorted(FIXED_HOSTS)]
    origins += [f"https://*{suffix}" for suffix in MY_DOMAIN_SUFFIXES]
    configured = _origin(settings.SALESFORCE_LOGIN_URL or "")
    if configured.startswith(("https://", "http://")) and configured not in origins:
        origins.append(configured)
    return origins
