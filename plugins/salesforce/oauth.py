"""OAuth 2.0 web-server flow with PKCE S256 against Salesforce, through requests-oauthlib.

We generate the verifier ourselves and pass ``code_challenge`` / ``code_verifier`` as plain
parameters (reference §1.10 #2): the callback is another request, so ``OAuth2Session(pkce=...)``
would have lost its verifier. The verifier travels only in the host's encrypted private state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from typing import Any
from urllib.parse import urlsplit

import requests
from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session

from host.contracts import ConnectError, ConnectionResult, NeedsReconnect
from plugins.salesforce.conf import settings

from . import login_hosts
from .login_hosts import LoginHostError

SCOPES = ["api", "refresh_token"]
TIMEOUT = (5, 20)  # connect, read (seconds)
AUTHORIZE_PATH = "/services/oauth2/authorize"
TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a path, not a secret
REVOKE_PATH = "/services/oauth2/revoke"

# Salesforce may grant more scopes than asked (e.g. ``id``); oauthlib would raise on that.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
# requests-oauthlib logs request bodies and tokens at DEBUG: keep them out of every log.
for _name in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_name).setLevel(logging.INFO)
log = logging.getLogger(__name__)


class TokenEndpointError(ConnectError):
    """Salesforce's token endpoint answered with an error (shown to the admin as is)."""


class Unreachable(ConnectError):
    """Salesforce could not be reached (network error, timeout, 5xx)."""


REQUIRED_SETTINGS = ("SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET")


def missing_settings() -> list[str]:
    return [name for name in REQUIRED_SETTINGS if not getattr(settings, name)]


def setup_error() -> str:
    """The "OAuth setup error" text naming missing settings, or ``""`` when all are set."""
    missing = missing_settings()
    if not missing:
        return ""
    return ("OAuth setup error: " + " and ".join(missing) + (" is" if len(missing) == 1 else
            " are") + " not set. Set the Connected App's consumer key and secret in the "
            "platform's environment.")


def make_verifier() -> str:
    return secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]


def s256(verifier: str) -> str:
    """RFC 7636 S256 code challenge: BASE64URL-NOPAD(SHA256(ASCII(verifier)))."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def expected_signature(client_secret: str, id_url: str, issued_at: str) -> str:
    mac = hmac.new(client_secret.encode(), (id_url + issued_at).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def verify_signature(token: dict[str, Any]) -> None:
    """Raise unless ``signature`` is the HMAC-SHA256 of ``id + issued_at`` with our secret."""
    expected = expected_signature(settings.SALESFORCE_CLIENT_SECRET, str(token.get("id", "")),
                                  str(token.get("issued_at", "")))
    if not hmac.compare_digest(expected.encode(), str(token.get("signature", "")).encode()):
        raise TokenEndpointError(
            "The token response from Salesforce failed its signature check, so it was not "
            "trusted. Check that SALESFORCE_CLIENT_SECRET matches the Connected App's secret, "
            "then connect again."
        )


def _check_status(response: requests.Response) -> requests.Response:
    """Compliance hook: turn a 5xx or non-JSON token response into a clear error."""
    if response.status_code >= 500:
        raise Unreachable(
            f"Salesforce's sign-in service is unavailable (HTTP {response.status_code}). "
            "Try connecting again in a few minutes."
        )
    if "json" not in response.headers.get("Content-Type", ""):
        raise TokenEndpointError(
            f"Salesforce's token endpoint answered with an unexpected page "
            f"(HTTP {response.status_code}); check the login host."
        )
    return response


def _session(login_url: str, **kwargs) -> tuple[OAuth2Session, str]:
    """A requests-oauthlib session for ``login_url`` and the login URL to give it: the https form
    for the operator's loopback emulator, which this session alone sends over http."""
    sess = OAuth2Session(settings.SALESFORCE_CLIENT_ID, **kwargs)
    sess.register_compliance_hook("access_token_response", _check_status)
    sess.register_compliance_hook("refresh_token_response", _check_status)
    return sess, login_hosts.https_form(login_url, sess)


def _trusted(login_url: str) -> str:
    """``login_url`` if the platform may send its client secret there (re-checked at every use:
    stored states and credentials may predate a rule), else a ``TokenEndpointError``."""
    try:
        return login_hosts.check_url(login_url, "login host")
    except LoginHostError as exc:
        raise TokenEndpointError(str(exc)) from None


def _token_error(exc: OAuth2Error, during: str) -> ConnectError:
    description = exc.description or exc.error
    if exc.error in ("invalid_client_id", "invalid_client"):
        return TokenEndpointError(
            f"Salesforce did not accept the platform's client credentials ({description}). "
            "Check SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET against the Connected "
            "App's consumer key and secret."
        )
    if exc.error == "invalid_grant" and during == "refresh":
        return NeedsReconnect(
            f"Salesforce no longer accepts the saved sign-in ({description}). "
            "Reconnect Salesforce."
        )
    if exc.error == "invalid_grant":
        return TokenEndpointError(
            f"Salesforce refused the sign-in code ({description}). "
            "Click Connect Salesforce to start again."
        )
    return TokenEndpointError(f"Salesforce's token endpoint refused the {during} "
                              f"({exc.error}: {description}).")


def _unreachable(url: str, exc: Exception) -> Unreachable:
    host = urlsplit(url).netloc
    kind = "timed out" if isinstance(exc, requests.Timeout) else "could not be reached"
    return Unreachable(f"Salesforce at {host} {kind}. Check the login host and your network, "
                       "then try again.")


# --- the flow ------------------------------------------------------------------------------------


def authorization_url(login_url: str, state: str) -> tuple[str, str]:
    """The Salesforce authorize URL for ``state``, and the PKCE verifier to keep server-side."""
    verifier = make_verifier()
    login_url = _trusted(login_url)
    sess, base = _session(login_url, redirect_uri=settings.SALESFORCE_REDIRECT_URI, scope=SCOPES)
    url, _ = sess.authorization_url(base + AUTHORIZE_PATH, state=state,
                                    code_challenge=s256(verifier),
                                    code_challenge_method="S256")
    return login_url + url.removeprefix(base), verifier


def exchange_code(login_url: str, code: str, verifier: str) -> dict[str, Any]:
    """Redeem the authorization code (with the verifier and secret) at the same login host."""
    token_url = _trusted(login_url) + TOKEN_PATH
    sess, base = _session(login_url, redirect_uri=settings.SALESFORCE_REDIRECT_URI, scope=SCOPES)
    try:
        token = sess.fetch_token(base + TOKEN_PATH, code=code, code_verifier=verifier,
                                 client_secret=settings.SALESFORCE_CLIENT_SECRET,
                                 include_client_id=True, timeout=TIMEOUT)
    except OAuth2Error as exc:
        raise _token_error(exc, "sign-in") from None
    except requests.RequestException as exc:
        raise _unreachable(token_url, exc) from None
    verify_signature(token)
    return dict(token)


def refresh(login_url: str, refresh_token: str) -> dict[str, Any]:
    """A new access token; the response carries a new ``refresh_token`` only under rotation."""
    token_url = _trusted(login_url) + TOKEN_PATH
    sess, base = _session(login_url)  # no scope: Salesforce's refresh grant takes none (§1.10 #10)
    try:
        token = sess.refresh_token(base + TOKEN_PATH, refresh_token=refresh_token,
                                   client_id=settings.SALESFORCE_CLIENT_ID,
                                   client_secret=settings.SALESFORCE_CLIENT_SECRET,
                                   timeout=TIMEOUT)
    except OAuth2Error as exc:
        raise _token_error(exc, "refresh") from None
    except requests.RequestException as exc:
        raise _unreachable(token_url, exc) from None
    verify_signature(token)
    return dict(token)


def fetch_identity(token: dict[str, Any]) -> dict[str, Any]:
    """Read the identity URL: org id, user id, username."""
    try:
        id_url = login_hosts.check_url(token.get("id", ""), "identity URL",
                                       path=login_hosts.IDENTITY_PATH)
    except LoginHostError as exc:
        raise TokenEndpointError(str(exc)) from None
    try:
        resp = requests.get(id_url, headers={"Authorization": f"Bearer {token['access_token']}"},
                            params={"format": "json"}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise _unreachable(id_url, exc) from None
    if resp.status_code != 200:
        raise TokenEndpointError(
            f"Salesforce did not let us read the connected user (HTTP {resp.status_code}). "
            "Connect again."
        )
    identity = resp.json()
    path_org, path_user = id_url.rstrip("/").split("/")[-2:]
    if (identity.get("organization_id") != path_org or identity.get("user_id") != path_user):
        raise TokenEndpointError("Salesforce's identity answer does not match the sign-in.")
    return identity


def revoke(login_url: str, token: str) -> tuple[bool, str]:
    """Revoke a (refresh) token; ``(True, "")`` or ``(False, reason for the admin)``."""
    try:
        url = login_hosts.check_url(login_url, "login host") + REVOKE_PATH
    except LoginHostError as exc:
        return False, str(exc)
    try:
        resp = requests.post(url, data={"token": token}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return False, f"{_unreachable(url, exc)} The token could not be revoked there."
    if resp.status_code == 200:
        return True, ""
    if resp.status_code == 400:  # invalid_token: already revoked or expired at Salesforce
        return True, ""
    return False, (f"Salesforce did not confirm revoking the token (HTTP {resp.status_code}); "
                   "remove the app under Connected Apps OAuth Usage in Salesforce if needed.")


# --- results ---------------------------------------------------------------------------------------


def credentials_from(token: dict[str, Any], login_url: str,
                     previous_refresh: str = "") -> dict[str, Any]:
    try:
        instance_url = login_hosts.check_url(token.get("instance_url", ""), "instance URL")
    except LoginHostError as exc:
        raise TokenEndpointError(str(exc)) from None
    return {
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token") or previous_refresh,
        "instance_url": instance_url,
        "id_url": token.get("id", ""),
        "issued_at": str(token.get("issued_at", "")),
        "login_url": login_url,
    }


def connection_result(token: dict[str, Any], identity: dict[str, Any], login_url: str,
                      choice: str) -> ConnectionResult:
    creds = credentials_from(token, login_url)
    if not creds["refresh_token"]:
        raise TokenEndpointError(
            "Salesforce did not grant offline access (no refresh token). Add the "
            "\"refresh_token, offline_access\" scope to the Connected App, then connect again."
        )
    env = login_hosts.environment(choice, login_url, creds["instance_url"])
    username = identity.get("username") or identity.get("email") or identity["user_id"]
    return ConnectionResult(
        external_account_id=identity["organization_id"],
        account_label=f"{username} — org {identity['organization_id']}, {env}",
        credentials=creds,
        details={"instance_url": creds["instance_url"], "org_id": identity["organization_id"],
                 "user_id": identity["user_id"], "username": username,
                 "display_name": identity.get("display_name", ""), "environment": env,
                 "login_url": login_url},
    )
