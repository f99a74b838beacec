"""Per-org webhook secrets of every PER_ORG integration: the org's own (rotatable with a grace
period) or the integration's global one (``WebhookInfo.secret_setting``, e.g.
``SALESFORCE_WEBHOOK_SECRET``), and the app's secret of APP integrations.

Secrets are high-entropy random values, so a plain SHA-256 is the right storage for the secret
check. A Fernet-encrypted copy (``TOKEN_ENCRYPTION_KEYS``) is kept too, because verifying a signed
JSON body needs the key itself. Comparison is in constant time on bytes, so non-ASCII input cannot
crash it, and an empty secret never matches.

The global secret is known to every org that set up the CRM with it, so it only counts for an org
that is connected (the webhook view then also requires the event's account to be the connected
one) and has not switched the fallback off. Kept in ``connection.settings`` under the keys below,
the same for every integration. Plugins get a ``WebhookSecret`` (``resolve``), never these rows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from host import crypto
from host.contracts import WebhookSecret

GRACE_PERIOD = timedelta(hours=72)
ORG, GLOBAL, NONE, APP = "org", "global", "none", "app"
# Per-org settings an admin switches on the integration's page.
ALLOW_FALLBACK = "webhook_global_fallback"  # default on
REQUIRE_SIGNATURE = "webhook_require_signature"  # default off
# Why the global fallback does or does not apply (shown on the settings page).
FALLBACK_ON, FALLBACK_OFF, FALLBACK_UNSET, FALLBACK_NOT_CONNECTED = (
    "on", "off", "unset", "not_connected")


def _digest(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()


def _setting(key: str) -> bytes:
    from host.integrations import get_integration, plugin_setting

    info = get_integration(key).info
    name = info.webhook.secret_setting if info.webhook else ""
    return (plugin_setting(info, name, "") or "").strip().encode("utf-8") if name else b""


def _global(connection, key: str | None = None) -> bytes:
    return _setting(key or connection.provider)


def fallback_state(connection, key: str | None = None) -> str:
    """Whether the global secret may count for this org, or why not (``connection`` may be
    None when the org never opened the integration: then ``key`` names it)."""
    if not _global(connection, key):
        return FALLBACK_UNSET
    if connection is not None and connection.settings.get(ALLOW_FALLBACK) is False:
        return FALLBACK_OFF
    if connection is None or connection.status != connection.Status.CONNECTED or \
            not connection.external_account_id:
        return FALLBACK_NOT_CONNECTED
    return FALLBACK_ON


def source(connection, key: str | None = None) -> str:
    """Which secret is in effect for this org: its own, the global fallback, or none.

    ``connection`` may be None (the org never opened the integration's page; ``key`` names it)."""
    if connection is not None and connection.settings.get("webhook_secret_sha256"):
        return ORG
    return GLOBAL if fallback_state(connection, key) == FALLBACK_ON else NONE


def signature_required(connection) -> bool:
    return bool(connection is not None and connection.settings.get(REQUIRE_SIGNATURE))


def _previous_valid(connection) -> bool:
    until = connection.settings.get("previous_webhook_secret_valid_until")
    return bool(until and datetime.fromisoformat(until) > timezone.now())


def matches(connection, provided: bytes | None) -> str | None:
    """``ORG`` or ``GLOBAL`` when ``provided`` is the secret in effect, else None (the org's own
    excludes the global one)."""
    if not provided:
        return None
    mode = source(connection)
    if mode == GLOBAL:
        return GLOBAL if hmac.compare_digest(provided, _global(connection)) else None
    if mode == NONE:
        return None
    digest = _digest(provided)
    candidates = [connection.settings["webhook_secret_sha256"]]
    previous = connection.settings.get("previous_webhook_secret_sha256")
    if previous and _previous_valid(connection):
        candidates.append(previous)
    # Compare against every candidate (no early exit) so timing reveals nothing.
    results = [hmac.compare_digest(digest, candidate) for candidate in candidates]
    return ORG if any(results) else None


def signing_keys(connection) -> list[bytes]:
    """The org's secret (and the previous one during its grace period) as HMAC keys.

    Empty when the org has no secret, or only one generated before encrypted copies were kept
    (or under retired encryption keys): the admin generates a new secret then."""
    if connection is None or source(connection) != ORG:
        return []
    names = ["webhook_secret_encrypted"]
    if _previous_valid(connection):
        names.append("previous_webhook_secret_encrypted")
    keys = []
    for name in names:
        token = connection.settings.get(name)
        if not token:
            continue
        try:
            keys.append(str(crypto.decrypt_json(token)).encode())
        except ImproperlyConfigured:
            continue
    return keys


def _org_digests(connection) -> tuple[str, ...]:
    digests = [connection.settings["webhook_secret_sha256"]]
    previous = connection.settings.get("previous_webhook_secret_sha256")
    if previous and _previous_valid(connection):
        digests.append(previous)
    return tuple(digests)


def resolve(key: str, connection) -> WebhookSecret:
    """The secret in effect for a PER_ORG webhook of this org (``connection`` may be None)."""
    mode = source(connection, key)
    if mode == ORG:
        return WebhookSecret(ORG, digests=_org_digests(connection),
                             signing_keys=lambda: tuple(signing_keys(connection)),
                             signature_required=signature_required(connection))
    if mode == GLOBAL:
        return WebhookSecret(GLOBAL, plain=(_global(connection, key),))
    return WebhookSecret(NONE)


def app_secret(key: str) -> WebhookSecret:
    """The app's secret of an APP webhook (``WebhookInfo.secret_setting``), or none when unset."""
    value = _setting(key)
    return WebhookSecret(APP, plain=(value,), signing_keys=(value,)) if value else \
        WebhookSecret(NONE)


def rotate(connection) -> str:
    """Generate a new org secret (returned once); the old one keeps working for the grace period."""
    secret = secrets.token_urlsafe(32)  # 256 bits

    def change(values: dict) -> None:
        current = values.get("webhook_secret_sha256")
        if current:
            values["previous_webhook_secret_sha256"] = current
            values["previous_webhook_secret_encrypted"] = values.get("webhook_secret_encrypted", "")
            values["previous_webhook_secret_valid_until"] = (
                timezone.now() + GRACE_PERIOD).isoformat()
        values["webhook_secret_sha256"] = _digest(secret.encode())
        values["webhook_secret_encrypted"] = crypto.encrypt_json(secret)
        values["webhook_secret_created_at"] = timezone.now().isoformat()

    connection.update_settings(change)
    return secret


SECRET_KEYS = ("webhook_secret_sha256", "previous_webhook_secret_sha256",
               "previous_webhook_secret_valid_until", "webhook_secret_created_at",
               "webhook_secret_encrypted", "previous_webhook_secret_encrypted", REQUIRE_SIGNATURE)


def remove_org_secret(connection) -> None:
    """Forget the org's secrets (the global fallback applies again, if set and allowed); signing
    is switched off with them, since there is no key left to sign with."""
    def forget(values: dict) -> None:
        for key in SECRET_KEYS:
            values.pop(key, None)

    connection.update_settings(forget)
