"""OAuth 2.0 authorization-code flow against HubSpot's date-versioned endpoints (reference §1).

No PKCE: HubSpot documents no ``code_challenge`` on its authorize page and its apps are
confidential clients (the secret is mandatory on every token call), so the host's single-use
``state`` bound to the admin's session is the CSRF protection (§1.2). Access tokens live 30
minutes; ``expires_at`` is stored so the client refreshes ahead of expiry (HubSpot: a 401 is
"not a valid indicator" that a refresh is due, §1.5). The token's ``hub_id`` (portal id) is the
connection's external account id.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from host.contracts import ConnectError, ConnectionResult, NeedsReconnect

from . import paths, urls_check
from .conf import settings

SCOPES = ("oauth", "crm.objects.contacts.read", "crm.objects.contacts.write",
          "crm.objects.deals.read", "crm.schemas.contacts.write")
REQUIRED_SETTINGS = ("HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET")
TIMEOUT = (5, 20)
REFRESH_AHEAD = 300  # seconds before expiry when the client refreshes (tap-hubspot uses 600)
# Token-endpoint statuses meaning the grant is gone for good (§1.6): the admin must reconnect.
DEAD_GRANT = {"BAD_REFRESH_TOKEN", "BAD_HUB"}


class TokenEndpointError(ConnectError):
    """HubSpot's token endpoint refused; ``str(exc)`` says what the admin or operator can do."""


def missing_settings() -> list[str]:
    return [name for name in REQUIRED_SETTINGS if not getattr(settings, name, "")]


def setup_error() -> str:
    missing = missing_settings()
    if not missing:
        return ""
    return ("OAuth setup error: " + " and ".join(missing) + (" is" if len(missing) == 1 else
            " are") + " not set. Set the HubSpot app's client ID and secret in the platform's "
            "environment.")


def auth_base() -> str:
    return urls_check.base(settings.HUBSPOT_AUTH_URL, "HUBSPOT_AUTH_URL")


def api_base() -> str:
    return urls_check.base(settings.HUBSPOT_API_URL, "HUBSPOT_API_URL")


def connect_origins() -> list[str]:
    """The authorize page's origin, for the pages' CSP ``form-action``."""
    parts = urlsplit(settings.HUBSPOT_AUTH_URL)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.netloc else []


def authorization_url(state: str) -> str:
    query = urlencode({"client_id": settings.HUBSPOT_CLIENT_ID,
                       "redirect_uri": settings.HUBSPOT_REDIRECT_URI,
                       "scope": " ".join(SCOPES), "state": state},
                      quote_via=quote)  # scopes joined by %20, as HubSpot documents (§1.2)
    return f"{auth_base()}{paths.AUTHORIZE}?{query}"


def _token_call(form: dict[str, str], during: str) -> dict[str, Any]:
    url = api_base() + paths.oauth()
    body = {**form, "client_id": settings.HUBSPOT_CLIENT_ID,
            "client_secret": settings.HUBSPOT_CLIENT_SECRET}
    try:
        resp = requests.post(url, data=body, timeout=TIMEOUT)
    except requests.RequestException as exc:
        kind = "timed out" if isinstance(exc, requests.Timeout) else "could not be reached"
        raise TokenEndpointError(f"HubSpot at {urlsplit(url).netloc} {kind}; try again in a "
                                 "few minutes.") from None
    if resp.status_code >= 500 or resp.status_code == 429:
        raise TokenEndpointError(f"HubSpot's sign-in service is busy or unavailable (HTTP "
                                 f"{resp.status_code}); try again in a few minutes.")
    try:
        data = resp.json()
    except ValueError:
        raise TokenEndpointError(f"HubSpot's token endpoint answered with an unexpected page "
                                 f"(HTTP {resp.status_code}); check HUBSPOT_API_URL.") from None
    if resp.status_code == 200 and data.get("access_token"):
        return data
    raise _token_error(data, resp.status_code, during)


def _token_error(data: dict, status: int, during: str) -> ConnectError:
    code = str(data.get("status") or "")
    error = str(data.get("error") or "")
    text = data.get("message") or data.get("error_description") or f"HTTP {status}"
    if error == "invalid_client" or code in ("BAD_CLIENT_ID", "BAD_CLIENT_SECRET"):
        return TokenEndpointError(f"HubSpot did not accept the platform's app credentials ({text}). "
                                  "Check HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.")
    if during == "refresh" and (code in DEAD_GRANT or error in ("invalid_grant", "access_denied")):
        return NeedsReconnect(f"HubSpot no longer accepts the saved sign-in ({text}). "
                              "Reconnect HubSpot.")
    if code == "BAD_REDIRECT_URI":
        return TokenEndpointError(f"HubSpot refused the redirect URL ({text}); HUBSPOT_REDIRECT_URI "
                                  "must be one of the app's redirect URLs.")
    if during == "sign-in":
        return TokenEndpointError(f"HubSpot refused the sign-in code ({text}). Click Connect "
                                  "HubSpot to start again.")
    return TokenEndpointError(f"HubSpot's token endpoint refused the {during} ({text}).")


def exchange_code(code: str) -> dict[str, Any]:
    return _token_call({"grant_type": "authorization_code", "code": code,
                        "redirect_uri": settings.HUBSPOT_REDIRECT_URI}, "sign-in")


def refresh(refresh_token: str) -> dict[str, Any]:
    return _token_call({"grant_type": "refresh_token", "refresh_token": refresh_token}, "refresh")


def introspect(token: str, hint: str = "access_token") -> dict[str, Any]:
    """Token metadata (``hub_id``, ``user``, ``hub_domain``); ``{}`` when HubSpot will not say."""
    try:
        resp = requests.post(api_base() + paths.oauth("introspect"), timeout=TIMEOUT, data={
            "client_id": settings.HUBSPOT_CLIENT_ID, "client_secret": settings.HUBSPOT_CLIENT_SECRET,
            "token": token, "token_type_hint": hint})
        data = resp.json() if resp.status_code == 200 else {}
    except (requests.RequestException, ValueError):
        return {}
    return data if data.get("active", True) else {}


def revoke(refresh_token: str) -> tuple[bool, str]:
    """Revoke the refresh token (issued access tokens live on ≤30 min; §1.8)."""
    try:
        resp = requests.post(api_base() + paths.oauth("revoke"), timeout=TIMEOUT, data={
            "client_id": settings.HUBSPOT_CLIENT_ID, "client_secret": settings.HUBSPOT_CLIENT_SECRET,
            "token": refresh_token, "token_type_hint": "refresh_token"})
    except (requests.RequestException, ConnectError) as exc:
        return False, f"HubSpot could not be reached ({type(exc).__name__}); the token was not revoked there."
    if resp.status_code in (200, 204):
        return True, ""
    if resp.status_code == 400:  # BAD_REFRESH_TOKEN: already revoked or the app was uninstalled
        return True, ""
    return False, (f"HubSpot did not confirm revoking the token (HTTP {resp.status_code}); "
                   "uninstall the app under Connected Apps in HubSpot if needed.")


def credentials_from(token: dict[str, Any], previous_refresh: str = "") -> dict[str, Any]:
    """What the host stores encrypted. HubSpot does not promise refresh-token rotation either
    way, so whatever comes back is kept (§1.5)."""
    return {
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token") or previous_refresh,
        "expires_at": int(time.time()) + int(token.get("expires_in") or 1800),
    }


def connection_result(token: dict[str, Any]) -> ConnectionResult:
    meta = introspect(token["access_token"])
    hub_id = token.get("hub_id") or meta.get("hub_id")
    if not hub_id:
        raise TokenEndpointError("HubSpot did not say which account was connected (no hub_id).")
    creds = credentials_from(token)
    if not creds["refresh_token"]:
        raise TokenEndpointError("HubSpot did not grant offline access (no refresh token).")
    user = meta.get("user") or ""
    domain = meta.get("hub_domain") or ""
    label = f"{user} — HubSpot account {hub_id}" if user else f"HubSpot account {hub_id}"
    return ConnectionResult(
        external_account_id=str(hub_id), account_label=label, credentials=creds,
        details={"hub_id": str(hub_id), "user": user, "hub_domain": domain,
                 "scopes": " ".join(token.get("scopes") or [])},
    )


def needs_refresh(credentials: dict[str, Any], now: float | None = None) -> bool:
    expires_at = int(credentials.get("expires_at") or 0)
    return (now or time.time()) >= expires_at - REFRESH_AHEAD
