"""HubSpot app webhooks: the v3 signature check and the payload parser (reference §3.2).

Pure functions over the raw request parts; ``plugin.webhook_verify`` / ``webhook_parse`` adapt
them to the host's app-level ingress (``POST /api/v1/integrations/hubspot/webhook`` on the
platform's host, routed to the org connected to each event's ``portalId``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

MAX_AGE_MS = 5 * 60 * 1000
MAX_EVENTS = 100
SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
# HubSpot asks to decode these before hashing the URI; others stay encoded (§3.2.5).
_DECODE = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
           "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}

DEAL_STAGE, DEAL_CREATED = "deal_stage", "deal_created"
CONTACT_DELETED, CONTACT_MERGED, CONTACT_RESTORED = "contact_deleted", "contact_merged", "contact_restored"
KINDS = {"contact.deletion": CONTACT_DELETED, "contact.privacyDeletion": CONTACT_DELETED,
         "contact.merge": CONTACT_MERGED, "contact.restore": CONTACT_RESTORED,
         "deal.creation": DEAL_CREATED}


class WebhookError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Event:
    portal_id: str
    kind: str
    dedupe_key: str
    payload: dict = field(default_factory=dict)


def decode_uri(uri: str) -> str:
    for encoded, plain in _DECODE.items():
        uri = uri.replace(encoded, plain).replace(encoded.lower(), plain)
    return uri


def signature_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    message = method.upper().encode() + decode_uri(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify(secret: str, method: str, uri: str, body: bytes, headers, now_ms: int | None = None) -> None:
    """Raise ``WebhookError(401)`` unless the request carries a fresh, valid v3 signature.

    ``uri`` is the full URL HubSpot called (scheme, host, path, query, as sent); ``body`` the raw
    bytes, never re-serialised JSON.
    """
    signature, timestamp = headers.get(SIGNATURE_HEADER), headers.get(TIMESTAMP_HEADER)
    if not secret:
        raise WebhookError(401, "WEBHOOK_NOT_CONFIGURED", "HUBSPOT_CLIENT_SECRET is not set.")
    if not signature or not timestamp:
        raise WebhookError(401, "SIGNATURE_REQUIRED",
                           f"Send the {SIGNATURE_HEADER} and {TIMESTAMP_HEADER} headers.")
    if not timestamp.isdigit():
        raise WebhookError(401, "INVALID_TIMESTAMP", "The request timestamp is not epoch milliseconds.")
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now_ms - int(timestamp)) > MAX_AGE_MS:
        raise WebhookError(401, "STALE_TIMESTAMP", "The request is more than 5 minutes old.")
    expected = signature_v3(secret, method, uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise WebhookError(401, "INVALID_SIGNATURE", "The HubSpot v3 signature does not match.")


def _kind(item: dict) -> str | None:
    subscription = item.get("subscriptionType") or item.get("eventType") or ""
    if subscription in KINDS:
        return KINDS[subscription]
    is_deal = subscription == "deal.propertyChange" or (
        subscription == "object.propertyChange" and item.get("objectTypeId") == "0-3")
    if is_deal and item.get("propertyName") == "dealstage":
        return DEAL_STAGE
    return None


def _text(value) -> str:
    return "" if value is None else str(value)


def parse(body: bytes) -> list[Event]:
    """The events HubSpot sent, normalised (ids as strings), each with a dedupe key.

    Raises ``WebhookError(400)`` for a body that is not a JSON array of 1-100 events with
    ``portalId``, ``objectId`` and ``occurredAt``. Subscription types the plugin does not act on
    are left out (HubSpot still gets its 2xx).
    """
    try:
        items = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError(400, "INVALID_JSON", "The body is not JSON.") from None
    if not isinstance(items, list) or not items:
        raise WebhookError(400, "INVALID_PAYLOAD", "Expected a JSON array of HubSpot events.")
    if len(items) > MAX_EVENTS:
        raise WebhookError(400, "TOO_MANY_EVENTS", f"At most {MAX_EVENTS} events per request.")
    events = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or any(
                not isinstance(item.get(name), int | str) or _text(item.get(name)) == ""
                for name in ("portalId", "objectId", "occurredAt")):
            raise WebhookError(400, "INVALID_EVENT", f"Event {index} lacks portalId, objectId "
                                                     "or occurredAt.")
        kind = _kind(item)
        if kind is None:
            continue
        portal = _text(item["portalId"])
        payload = {
            "portal_id": portal, "kind": kind, "object_id": _text(item["objectId"]),
            "subscription_type": item.get("subscriptionType") or item.get("eventType"),
            "occurred_at": int(item["occurredAt"]) if _text(item["occurredAt"]).isdigit() else 0,
            "stage": _text(item.get("propertyValue")) if kind == DEAL_STAGE else "",
            "primary_id": _text(item.get("primaryObjectId")),
            "new_id": _text(item.get("newObjectId")),
            "merged_ids": [_text(i) for i in item.get("mergedObjectIds") or []],
            "attempt": item.get("attemptNumber", 0),
        }
        identity = "|".join([portal, payload["subscription_type"] or "", payload["object_id"],
                             _text(item.get("propertyName")), payload["stage"],
                             _text(item["occurredAt"])])
        dedupe = f"hubspot:{portal}:{hashlib.sha256(identity.encode()).hexdigest()}"
        events.append(Event(portal_id=portal, kind=kind, dedupe_key=dedupe, payload=payload))
    return events
