"""Webhook secrets: the org's own (stored hashed, rotatable with a grace period) or the global one.

Secrets are high-entropy random values, so a plain SHA-256 is the right storage. Comparison is in
constant time on bytes, so non-ASCII input cannot crash it, and an empty secret never matches.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

HEADERS = ("HTTP_X_SALESFORCE_WEBHOOK_SECRET", "HTTP_X_WEBHOOK_SECRET")
QUERY_PARAMS = ("token", "secret")
GRACE_PERIOD = timedelta(hours=72)
ORG, GLOBAL, NONE = "org", "global", "none"


def _digest(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()


def provided_secret(request) -> bytes | None:
    """The secret the sender put in a header or the query string, as bytes."""
    for header in HEADERS:
        if request.META.get(header):
            return request.META[header].encode("latin-1", "replace")
    for name in QUERY_PARAMS:
        if request.GET.get(name):
            return request.GET[name].encode("utf-8", "surrogatepass")
    return None


def _global() -> bytes:
    return (settings.SALESFORCE_WEBHOOK_SECRET or "").strip().encode("utf-8")


def source(connection) -> str:
    """Which secret is in effect for this org: its own, the global fallback, or none.

    ``connection`` may be None (the org never opened the Salesforce page)."""
    if connection is not None and connection.settings.get("webhook_secret_sha256"):
        return ORG
    return GLOBAL if _global() else NONE


def matches(connection, provided: bytes | None) -> bool:
    """True when ``provided`` is the secret in effect (the org's own excludes the global one)."""
    if not provided:
        return False
    mode = source(connection)
    if mode == GLOBAL:
        return hmac.compare_digest(provided, _global())
    if mode == NONE:
        return False
    digest = _digest(provided)
    candidates = [connection.settings["webhook_secret_sha256"]]
    previous = connection.settings.get("previous_webhook_secret_sha256")
    until = connection.settings.get("previous_webhook_secret_valid_until")
    if previous and until and datetime.fromisoformat(until) > timezone.now():
        candidates.append(previous)
    # Compare against every candidate (no early exit) so timing reveals nothing.
    results = [hmac.compare_digest(digest, candidate) for candidate in candidates]
    return any(results)


def rotate(connection) -> str:
    """Generate a new org secret (returned once); the old one keeps working for the grace period."""
    secret = secrets.token_urlsafe(32)  # 256 bits

    def change(values: dict) -> None:
        current = values.get("webhook_secret_sha256")
        if current:
            values["previous_webhook_secret_sha256"] = current
            values["previous_webhook_secret_valid_until"] = (
                timezone.now() + GRACE_PERIOD).isoformat()
        values["webhook_secret_sha256"] = _digest(secret.encode())
        values["webhook_secret_created_at"] = timezone.now().isoformat()

    connection.update_settings(change)
    return secret


SECRET_KEYS = ("webhook_secret_sha256", "previous_webhook_secret_sha256",
               "previous_webhook_secret_valid_until", "webhook_secret_created_at")


def remove_org_secret(connection) -> None:
    """Forget the org's secrets (the global fallback applies again, if set)."""
    def forget(values: dict) -> None:
        for key in SECRET_KEYS:
            values.pop(key, None)

    connection.update_settings(forget)
