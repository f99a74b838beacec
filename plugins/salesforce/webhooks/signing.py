"""Signed JSON webhooks: ``x-salesforce-signature: t=<unix>,v1=<hex HMAC-SHA256>``.

The MAC covers ``"<t>.<raw body>"`` with the org's webhook secret, so a captured request proves
nothing once it is older than ``TOLERANCE`` seconds, and within that window each signature is
accepted once: the replay cache is Redis (``SET NX`` with a TTL longer than the window), keyed by
the org's schema and a hash of what was signed. With a signature, no secret is sent at all.
See ``docs/salesforce-webhook-signing.md`` for the Apex that signs.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.core.cache import cache
from django.db import connection as db

from host.contracts import WebhookRejected

META_HEADER = "HTTP_X_SALESFORCE_SIGNATURE"
TOLERANCE = 300  # seconds, either side of now
REPLAY_TTL = 2 * TOLERANCE + 60
MAX_HEADER = 1024


class SignatureError(WebhookRejected):
    def __init__(self, message: str, status: int = 401, code: str = "INVALID_SIGNATURE"):
        super().__init__(message, status, code)


def _parse(header: str) -> tuple[int, list[bytes]]:
    if len(header) > MAX_HEADER:
        raise SignatureError("The x-salesforce-signature header is too long.")
    stamp, macs = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            stamp = int(value)
        elif name == "v1" and value:
            macs.append(value.strip().lower().encode("latin-1", "replace"))
    if stamp is None or not macs:
        raise SignatureError("The x-salesforce-signature header must read t=<unix time>,v1=<hex>.")
    return stamp, macs


def verify(keys, header: str, body: bytes, now: float | None = None) -> None:
    """Return when ``header`` signs ``body`` with one of ``keys`` (the org's secret, or the
    previous one during its grace period: ``WebhookSecret.signing_keys``), is fresh and was not
    seen before; raise ``SignatureError``."""
    stamp, macs = _parse(header)
    if not keys:
        raise SignatureError("This organization has no webhook secret to verify signatures "
                             "with: generate one on the Salesforce settings page.")
    now = time.time() if now is None else now
    if abs(now - stamp) > TOLERANCE:
        raise SignatureError(f"The signature is older than {TOLERANCE // 60} minutes (or from "
                             "the future): sign each request when you send it.")
    signed = f"{stamp}.".encode() + body
    expected = [hmac.new(key, signed, hashlib.sha256).hexdigest().encode() for key in keys]
    # Every pair is compared (no early exit) so timing reveals nothing.
    results = [hmac.compare_digest(e, m) for e in expected for m in macs]
    if not any(results):
        raise SignatureError("The signature does not match the body and this organization's "
                             "webhook secret.")
    # Keyed on what was signed, not on the header's text (extra v1 entries change the header).
    mark = hashlib.sha256(signed).hexdigest()
    try:
        first = cache.add(f"salesforce:webhook-signature:{db.schema_name}:{mark}", 1, REPLAY_TTL)
    except Exception:  # noqa: BLE001 - Redis down: refuse rather than risk a replay
        raise SignatureError("Signatures cannot be checked right now; retry later.", 503,
                             "UNAVAILABLE") from None
    if not first:
        raise SignatureError("This signed request was already received (replay).")
