"""HubSpot's error bodies (reference §5.5) as exceptions with a message an admin can act on."""

from __future__ import annotations

import json


class HubSpotError(Exception):
    """A HubSpot call failed. ``retryable``: worth trying again later (network, 5xx, 429)."""

    retryable = False

    def __init__(self, message: str, status: int = 0, category: str = "", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.category = category
        self.details = details or {}


class Transient(HubSpotError):
    retryable = True

    def __init__(self, message: str, retry_after: float | None = None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after  # seconds, when HubSpot said (Retry-After)


class RateLimited(Transient):
    def __init__(self, message: str, policy: str = "", retry_after: float | None = None, **kw):
        super().__init__(message, retry_after=retry_after, **kw)
        self.policy = policy


class DailyLimit(RateLimited):
    retryable = False


class NotFound(HubSpotError):
    pass


class ValidationError(HubSpotError):
    """400 VALIDATION_ERROR; ``problems`` lists ``{code, message, property}`` per bad value."""

    @property
    def problems(self) -> list[dict]:
        return self.details.get("problems", [])


HINTS = {
    "MISSING_SCOPES": "The HubSpot app was not granted a scope this needs; reconnect HubSpot "
                      "and accept every permission.",
    "INVALID_AUTHENTICATION": "HubSpot no longer accepts the saved sign-in; reconnect HubSpot.",
}


def _body(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def is_rate_limit(status: int, body: dict) -> bool:
    return status == 429 or body.get("errorType") == "RATE_LIMIT" or \
        body.get("category") == "RATE_LIMITS"


def from_response(status: int, text: str, retry_after: str | None = None) -> HubSpotError:
    body = _body(text)
    category = str(body.get("category") or "")
    message = str(body.get("message") or "").strip() or f"HTTP {status}"
    seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
    if is_rate_limit(status, body):
        policy = str(body.get("policyName") or "")
        cls = DailyLimit if policy == "DAILY" else RateLimited
        return cls(f"HubSpot rate limit reached: {message}", policy=policy, retry_after=seconds,
                   status=status, category=category or "RATE_LIMIT")
    if status >= 500 or status in (423, 477):
        return Transient(f"HubSpot is unavailable (HTTP {status}): {message}"[:500], status=status,
                         category=category, retry_after=seconds)
    if status == 404:
        return NotFound(message, status=status, category=category or "OBJECT_NOT_FOUND")
    if status == 400 and category == "VALIDATION_ERROR":
        problems = [{"code": e.get("code", ""), "message": e.get("message", ""),
                     "property": ((e.get("context") or {}).get("propertyName") or [""])[0]}
                    for e in body.get("errors") or []]
        text = "; ".join(p["message"] for p in problems) or message
        return ValidationError(f"HubSpot refused the values: {text}", status=status,
                               category=category, details={"problems": problems})
    hint = HINTS.get(category, "")
    return HubSpotError(f"HubSpot answered HTTP {status} {category}: {message} {hint}".strip(),
                        status=status, category=category)
