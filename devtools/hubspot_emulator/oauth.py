"""OAuth 2.0 for a multi-account app: the authorize page (and account-preselected variant), the
token endpoint on every path version, token metadata/introspection, revocation, account
details, uninstall, and the Bearer check every CRM route runs [reference §1]."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote, urlencode

from . import pages
from .web import (
    Request,
    Response,
    hs_error,
    html_response,
    iso_ms,
    json_response,
    redirect,
    token_error,
)

INVALID_AUTH = ("Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview")
MISSING_SCOPES = ("This app hasn't been granted all required scopes to make this call. Read "
                  "more about required scopes here: https://developers.hubspot.com/scopes.")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# ---------------------------------------------------------------- authorize (app host)


def authorize(state, req: Request, portal: str | None = None) -> Response:
    cfg, q = state.config, req.query
    if q.get("client_id") != cfg.client_id:
        return html_response(pages.error_page("Couldn't complete the connection",
                                              "The app's client_id is unknown."), 400)
    uri = q.get("redirect_uri") or ""
    if uri not in cfg.redirect_uris:
        return html_response(pages.error_page(
            "Couldn't complete the connection",
            "The redirect_uri does not match a redirect URL of the app."), 400)
    scopes = (q.get("scope") or "").split()
    optional = (q.get("optional_scope") or "").split()
    if set(scopes) != set(cfg.required_scopes):
        return html_response(pages.error_page(
            "Couldn't complete the connection",
            "The scopes in the install URL do not match the app's required scopes: "
            f"expected {' '.join(sorted(cfg.required_scopes))}."), 400)
    if not set(optional) <= set(cfg.optional_scopes):
        return html_response(pages.error_page(
            "Couldn't complete the connection", "An optional scope is not configured on the app."),
            400)
    hub_id = int(portal) if portal else cfg.portal_id
    pending = {"redirect_uri": uri, "state": q.get("state"), "hub_id": hub_id,
               "scopes": list(dict.fromkeys(scopes + optional)),
               "challenge": q.get("code_challenge") or None,
               "method": q.get("code_challenge_method") or "S256"}
    if cfg.auto_approve:
        return _approve(state, pending)
    with state.lock:
        request_id = secrets.token_urlsafe(18)
        state.pending[request_id] = pending
        domain = state.portal(hub_id).domain
    return html_response(pages.consent_page(cfg.app_name, cfg.user_email, hub_id, domain,
                                            pending["scopes"], request_id))


def authorize_decision(state, req: Request) -> Response:
    form = req.form()
    with state.lock:
        pending = state.pending.pop(form.get("request_id", ""), None)
    if pending is None:
        return html_response(pages.error_page("Couldn't complete the connection",
                                              "Unknown or already used install request."), 400)
    if form.get("decision") != "allow":
        return html_response(pages.cancelled_page(state.config.app_name))
    return _approve(state, pending)


def _approve(state, pending: dict) -> Response:
    with state.lock:
        hublet = state.portal(pending["hub_id"]).hublet
        code = f"{hublet}-" + "-".join(secrets.token_hex(n) for n in (2, 2, 2, 2, 6))
        state.codes[code] = {**pending, "issued": state.clock.timestamp(), "used": False}
    params = {"code": code}
    if pending["state"] is not None:
        params["state"] = pending["state"]
    sep = "&" if "?" in pending["redirect_uri"] else "?"
    return redirect(pending["redirect_uri"] + sep + urlencode(params, quote_via=quote))


# ---------------------------------------------------------------- token endpoint


def _client_error(state, form: dict) -> Response | None:
    cfg = state.config
    if form.get("client_id") != cfg.client_id:
        return json_response({"error": "invalid_client", "error_description":
                              "missing or unknown client id", "status": "BAD_CLIENT_ID",
                              "message": "missing or unknown client id"}, 400)
    if not hmac.compare_digest(form.get("client_secret") or "", cfg.client_secret):
        return json_response({"error": "invalid_client", "error_description":
                              "missing or invalid client secret", "status": "BAD_CLIENT_SECRET",
                              "message": "missing or invalid client secret"}, 400)
    return None


def token(state, req: Request, version: str = "dated") -> Response:
    form = req.form()
    if version == "v1":  # only v1 also took query parameters (why it is being removed)
        form = {**req.query, **form}
    grant = form.get("grant_type")
    if grant not in ("authorization_code", "refresh_token"):
        return token_error("BAD_GRANT_TYPE", "unsupported_grant_type",
                           "grant_type must be authorization_code or refresh_token")
    if (error := _client_error(state, form)) is not None:
        return error
    with state.lock:
        if grant == "authorization_code":
            return _exchange_code(state, form)
        entry = state.refresh.get(form.get("refresh_token") or "")
        if entry is None or entry.revoked or state.portal(entry.hub_id).uninstalled:
            return token_error("BAD_REFRESH_TOKEN", "invalid_grant",
                               "refresh token is invalid, expired or revoked")
        if entry.client_id != state.config.client_id:
            return token_error("BAD_REFRESH_TOKEN", "invalid_grant",
                               "refresh token was not issued to this client")
        return _no_store(state.issue_tokens(entry.hub_id, entry.scopes, refresh=entry.token))


def _exchange_code(state, form: dict) -> Response:
    entry = state.codes.get(form.get("code") or "")
    if (entry is None or entry["used"]
            or state.clock.timestamp() - entry["issued"] > state.config.code_ttl):
        return token_error("BAD_AUTH_CODE", "invalid_grant", "missing or unknown auth code")
    entry["used"] = True  # single use, even when the rest of the request is wrong
    if form.get("redirect_uri") != entry["redirect_uri"]:
        return token_error("BAD_REDIRECT_URI", "invalid_grant",
                           "redirect_uri does not match the one used to authorize")
    if entry["challenge"]:
        verifier = form.get("code_verifier") or ""
        want = s256(verifier) if entry["method"] == "S256" else verifier
        if not verifier or not hmac.compare_digest(want, entry["challenge"]):
            return token_error("BAD_CODE_VERIFIER", "invalid_grant", "invalid code verifier")
    state.portal(entry["hub_id"]).uninstalled = False
    return _no_store(state.issue_tokens(entry["hub_id"], entry["scopes"]))


def _no_store(body: dict) -> Response:
    return json_response(body, headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------- metadata, revocation


def _access_meta(state, at) -> dict:
    cfg = state.config
    portal = state.portal(at.hub_id)
    left = max(int(at.expires_at - state.clock.timestamp()), 0)
    return {"token": at.token, "user": cfg.user_email, "hub_domain": portal.domain,
            "scopes": list(at.scopes), "hub_id": at.hub_id, "user_id": cfg.user_id,
            "app_id": cfg.app_id, "expires_in": left, "token_type": "access",
            "is_private_distribution": False,
            "signed_access_token": {"expiresAt": int(at.expires_at * 1000), "hubId": at.hub_id,
                                    "userId": cfg.user_id, "appId": cfg.app_id,
                                    "hublet": portal.hublet, "installingUserId": cfg.user_id,
                                    "isUserLevel": False}}


def _refresh_meta(state, rt) -> dict:
    cfg = state.config
    return {"token": rt.token, "user": cfg.user_email, "hub_domain": state.portal(rt.hub_id).domain,
            "scopes": list(rt.scopes), "hub_id": rt.hub_id, "client_id": rt.client_id,
            "user_id": cfg.user_id, "token_type": "refresh"}


def v1_access_token(state, req: Request, token: str) -> Response:
    with state.lock:
        at = state.access.get(token)
        if at is None or at.expires_at <= state.clock.timestamp():
            return hs_error(404, "EXPIRED_AUTHENTICATION" if at else "OBJECT_NOT_FOUND",
                            "access token is expired or unknown")
        return json_response(_access_meta(state, at))


def v1_refresh_token(state, req: Request, token: str) -> Response:
    with state.lock:
        rt = state.refresh.get(token)
        if req.method == "DELETE":
            if rt is not None:
                rt.revoked = True
            return Response(204)
        if rt is None or rt.revoked:
            return token_error("BAD_REFRESH_TOKEN", "invalid_grant",
                               "refresh token is invalid, expired or revoked")
        return json_response(_refresh_meta(state, rt))


def introspect(state, req: Request) -> Response:
    form = req.form()
    if (error := _client_error(state, form)) is not None:
        return error
    value = form.get("token") or form.get("access_token") or form.get("refresh_token") or ""
    with state.lock:
        at = state.access.get(value)
        if at is not None and at.expires_at > state.clock.timestamp():
            meta = _access_meta(state, at)
            meta.update({"active": True, "client_id": state.config.client_id,
                         "token_use": "access_token", "token_type": "Bearer"})
            return json_response(meta)
        rt = state.refresh.get(value)
        if rt is not None and not rt.revoked:
            meta = _refresh_meta(state, rt)
            meta.update({"active": True, "token_use": "refresh_token", "token_type": "Bearer"})
            return json_response(meta)
    return json_response({"active": False})


def revoke(state, req: Request) -> Response:
    form = req.form()
    if (error := _client_error(state, form)) is not None:
        return error
    value = form.get("token") or form.get("refresh_token") or ""
    with state.lock:
        if value in state.refresh:
            state.refresh[value].revoked = True  # access tokens keep working (no cascade)
    return Response(200, b"", {"Content-Length": "0"})


def account_details(state, req: Request, token) -> Response:
    portal = state.portal(token.hub_id)
    host = "app.hubspot.com" if portal.hublet == "na1" else f"app-{portal.hublet}.hubspot.com"
    return json_response({"portalId": portal.hub_id, "accountType": "STANDARD",
                          "timeZone": "US/Eastern", "companyCurrency": "USD",
                          "additionalCurrencies": [], "utcOffset": "-05:00",
                          "utcOffsetMilliseconds": -18000000, "uiDomain": host,
                          "dataHostingLocation": portal.hublet})


def uninstall(state, req: Request, token) -> Response:
    with state.lock:
        state.portal(token.hub_id).uninstalled = True
        for rt in state.refresh.values():
            if rt.hub_id == token.hub_id:
                rt.revoked = True
    return Response(204)


# ---------------------------------------------------------------- Bearer check


def authenticate(state, req: Request, any_of: tuple[str, ...]):
    """The access token of this call, or the 401/403 HubSpot answers [reference §1.5, §5.5]."""
    value = req.bearer() or ""
    now = state.clock.timestamp()
    with state.lock:
        at = state.access.get(value)
        if at is None or state.portal(at.hub_id).uninstalled:
            return None, hs_error(401, "INVALID_AUTHENTICATION", INVALID_AUTH)
        if at.expires_at <= now:
            ago = int(now - at.expires_at)
            return None, hs_error(
                401, "EXPIRED_AUTHENTICATION",
                f"The OAuth token used to make this call expired {ago} second(s) ago.",
                context={"expire time": [iso_ms(int(at.expires_at * 1000))]})
        if any_of and not set(any_of) & set(at.scopes):
            return None, hs_error(403, "MISSING_SCOPES", MISSING_SCOPES, errors=[
                {"message": "One or more of the following scopes are required.",
                 "context": {"requiredGranularScopes": list(any_of)}}])
        return at, None


ROUTES = [
    ("GET", r"/oauth/authorize", authorize),
    ("POST", r"/oauth/authorize", authorize_decision),
    ("GET", r"/oauth/(?P<portal>\d+)/authorize", authorize),
    ("POST", r"/oauth/v1/token", lambda s, r: token(s, r, "v1")),
    ("POST", r"/oauth/dated/token", token),
    ("POST", r"/oauth/dated/token/introspect", introspect),
    ("POST", r"/oauth/dated/token/revoke", revoke),
    ("GET", r"/oauth/v1/access-tokens/(?P<token>[^/]+)", v1_access_token),
    ("GET|DELETE", r"/oauth/v1/refresh-tokens/(?P<token>[^/]+)", v1_refresh_token),
]
