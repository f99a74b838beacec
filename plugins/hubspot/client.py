"""The HubSpot API client the sync, trigger, pushback and field checks use.

    client = HubSpotClient(connection)
    client.call("POST", paths.objects("contacts", "search"), json={...}, bucket="search")

Every call: a fresh token (refreshed ``REFRESH_AHEAD`` before expiry, single-flight through the
host's ``refresh_credentials`` row lock), the portal's shared rate budget (``ratelimit``), a
timeout, then a 401 (``EXPIRED_AUTHENTICATION`` or ``INVALID_AUTHENTICATION``) → refresh once and
retry (a refresh HubSpot refuses raises ``NeedsReconnect``); 429 and 5xx → back off
and retry (``Retry-After`` when sent, else the reference's per-policy pauses, §5.4); anything else
→ ``errors.HubSpotError`` with HubSpot's message. ``api_calls`` counts requests sent.
"""

from __future__ import annotations

import random
import time
from typing import Any

import requests

from host import metrics
from host.integrations import refresh_credentials

from . import errors, oauth, ratelimit

KEY = "hubspot"
TIMEOUT = (5, 60)
MAX_ATTEMPTS = 5


def backoff(exc: errors.HubSpotError, attempt: int) -> float:
    """Seconds to wait before retry ``attempt`` (1-based), after §5.4."""
    if isinstance(exc, errors.Transient) and exc.retry_after is not None:
        return exc.retry_after
    if isinstance(exc, errors.RateLimited):  # the search's per-second limit names no policy
        secondly = not exc.policy and "secondly limit" in exc.message.lower()
        base = 1.0 if secondly else 10.0
    else:
        base = 0.5
    return base * attempt + random.uniform(0, base / 4)  # noqa: S311 - jitter, not security


class HubSpotClient:
    def __init__(self, connection, sleep=time.sleep):
        self.connection = connection
        self.sleep = sleep
        self.api_calls = 0
        self.session = requests.Session()
        self.base = oauth.api_base()

    @property
    def portal(self) -> str:
        return self.connection.external_account_id or "unknown"

    def _token(self, force: bool = False) -> str:
        creds = self.connection.credentials
        if force or oauth.needs_refresh(creds):
            self.connection = refresh_credentials(self.connection)
            creds = self.connection.credentials
        return creds["access_token"]

    def _send(self, method: str, path: str, token: str, bucket: str, **kwargs) -> requests.Response:
        ratelimit.acquire(self.portal, bucket, sleep=self.sleep)
        self.api_calls += 1
        try:
            resp = self.session.request(method, self.base + path, timeout=TIMEOUT,
                                        headers={"Authorization": f"Bearer {token}"}, **kwargs)
        except requests.RequestException as exc:
            raise errors.Transient(f"HubSpot could not be reached ({type(exc).__name__}).") from None
        metrics.inc("crm_api_calls", integration=KEY, status_class=f"{resp.status_code // 100}xx")
        if resp.status_code == 429:
            metrics.inc("crm_api_rate_limited", integration=KEY)
        return resp

    def call(self, method: str, path: str, bucket: str = "default", ok=(200, 201, 204, 207),
             **kwargs) -> Any:
        """The decoded JSON answer (``None`` when empty), or an ``errors.HubSpotError``."""
        refreshed = False
        token = self._token()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            resp = self._send(method, path, token, bucket, **kwargs)
            if resp.status_code in ok:
                return resp.json() if resp.content else None
            exc = errors.from_response(resp.status_code, resp.text, resp.headers.get("Retry-After"))
            if resp.status_code == 401 and not refreshed:  # expired or revoked: refresh once
                token, refreshed = self._token(force=True), True
                continue
            if not exc.retryable or attempt == MAX_ATTEMPTS:
                raise exc
            self.sleep(backoff(exc, attempt))
        raise AssertionError("unreachable")
