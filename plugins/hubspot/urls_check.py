"""Where the platform may send HubSpot credentials: https, or plain http to a loopback emulator."""

from __future__ import annotations

from urllib.parse import urlsplit

from host.contracts import ConnectError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def base(url: str, setting: str) -> str:
    """``url`` without a trailing slash, or a ``ConnectError`` naming the setting to fix."""
    parts = urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return url.rstrip("/")
    raise ConnectError(f"{setting} must be an https:// URL (plain http only for a loopback "
                       f"emulator), not {url!r}.")
