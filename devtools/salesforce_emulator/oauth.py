"""OAuth 2.0 web-server flow with PKCE: authorize, token, refresh, revoke, identity, userinfo."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus, urlencode

from . import templates
from .web import Request, Response, html_response, json_response, oauth_error, redirect

REFRESH_SCOPES = {"refresh_token", "offline_access"}


@dataclass
class AccessToken:
    token: str
    scope: str
    expires_at: float
    refresh: str | None = None
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    scope: str
    revoked: bool = False


class TokenStore:
    """Authorization codes, pending consent requests, access and refresh tokens."""

    def __init__(self):
        self.codes: dict[str, dict] = {}
        self.pending: dict[str, dict] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}

    def check(self, token: str | None, now: float) -> AccessToken | None:
        at = self.access.get(token or "")
        if at is None or at.revoked or at.expires_at <= now:
            return None
        return at

    def expire_all(self) -> int:
        for at in self.access.values():
            at.expires_at = 0
        return len(self.access)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signature(client_secret: str, id_url: str, issued_at: str) -> str:
    mac = hmac.new(client_secret.encode(), (id_url + issued_at).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def _with_params(url: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
    return url + ("&" if "?" in url else "?") + query


def _identity_url(state) -> str:
    return f"{state.base_url}/id/{state.config.org_id}/{state.config.user_id}"


# ---------------------------------------------------------------- authorize


def authorize(state, req: Request):
    cfg, q = state.config, req.query
    if q.get("client_id") != cfg.client_id:
        return html_response(templates.error_page("invalid_client_id",
                                                  "client identifier invalid"), 400)
    uri = q.get("redirect_uri")
    if not uri:
        return html_response(templates.error_page("redirect_uri_missing",
                                                  "redirect_uri must be provided"), 400)
    if uri not in cfg.redirect_uris:
        return html_response(templates.error_page(
            "redirect_uri_mismatch", "redirect_uri must match configuration"), 400)

    def fail(error: str, description: str):
        return redirect(_with_params(uri, error=error, error_description=description,
                                     state=q.get("state")))

    if q.get("response_type") != "code":
        return fail("unsupported_response_type", "response type not supported")
    scopes = (q.get("scope") or "api refresh_token").split()
    if any(s not in cfg.allowed_scopes for s in scopes):
        return fail("invalid_scope", "the requested scope is not allowed")
    challenge = q.get("code_challenge") or None
    method = q.get("code_challenge_method") or cfg.pkce_default_method
    if method not in ("S256", "plain"):
        return fail("invalid_request", "invalid code_challenge_method")
    if cfg.require_pkce and not challenge:
        return fail("invalid_request", "missing required code challenge")
    pending = {"redirect_uri": uri, "challenge": challenge, "method": method,
               "scope": " ".join(dict.fromkeys(scopes)), "state": q.get("state")}
    if cfg.auto_approve:
        return _approve(state, pending)
    with state.lock:
        request_id = secrets.token_urlsafe(18)
        state.tokens.pending[request_id] = pending
    return html_response(templates.consent_page(cfg.app_name, cfg.username, scopes, request_id))


def authorize_decision(state, req: Request):
    form = req.form()
    with state.lock:
        pending = state.tokens.pending.pop(form.get("request_id", ""), None)
    if pending is None:
        return html_response(templates.error_page("invalid_request",
                                                  "unknown or already used consent request"), 400)
    if form.get("decision") != "allow":
        return redirect(_with_params(pending["redirect_uri"], error="access_denied",
                                     error_description="end-user denied authorization",
                                     state=pending["state"]))
    return _approve(state, pending)


def _approve(state, pending: dict):
    code = secrets.token_urlsafe(40) + "=="  # real codes end in '==' (%3D%3D in the redirect)
    with state.lock:
        state.tokens.codes[code] = {**pending, "issued": state.clock.timestamp(), "used": False}
    return redirect(_with_params(pending["redirect_uri"], code=code, state=pending["state"]))


# ---------------------------------------------------------------- token endpoint


def _client_credentials(req: Request, form: dict) -> tuple[str | None, str | None]:
    auth = req.headers.get("Authorization") or ""
    if auth.lower().startswith("basic "):
        try:
            raw = base64.b64decode(auth[6:].strip()).decode()
            cid, _, secret = raw.partition(":")
            return unquote_plus(cid), unquote_plus(secret)
        except (ValueError, UnicodeDecodeError):
            return None, None
    return form.get("client_id"), form.get("client_secret")


def _token_response(state, scope: str, refresh: str | None = None, new_refresh: bool = False):
    cfg = state.config
    now = state.clock.timestamp()
    access = f"{cfg.org_id[:15]}!" + secrets.token_urlsafe(72)
    state.tokens.access[access] = AccessToken(access, scope, now + cfg.access_token_ttl, refresh)
    issued_at = str(int(now * 1000))
    id_url = _identity_url(state)
    body = {"access_token": access}
    if refresh and new_refresh:
        body["refresh_token"] = refresh
    body.update(signature=signature(cfg.signature_secret or cfg.client_secret, id_url,
                                    issued_at), scope=scope,
                instance_url=state.base_url, id=id_url, issued_at=issued_at)
    body["token_type"] = "Bearer"  # noqa: S105 - not a password
    return json_response(body, headers={"Cache-Control": "no-cache, no-store",
                                        "Pragma": "no-cache"})


def token(state, req: Request):
    form = req.form()
    cfg = state.config
    grant = form.get("grant_type")
    if grant not in ("authorization_code", "refresh_token"):
        return oauth_error("unsupported_grant_type", "grant type not supported")
    client_id, secret = _client_credentials(req, form)
    if client_id != cfg.client_id:
        return oauth_error("invalid_client_id", "client identifier invalid")
    if secret is not None and not hmac.compare_digest(secret, cfg.client_secret):
        return oauth_error("invalid_client", "invalid client credentials")
    with state.lock:
        if grant == "authorization_code":
            if secret is None and cfg.require_secret:
                return oauth_error("invalid_client", "invalid client credentials")
            entry = state.tokens.codes.get(form.get("code") or "")
            if entry is None:
                return oauth_error("invalid_grant", "invalid authorization code")
            if entry["used"] or state.clock.timestamp() - entry["issued"] > cfg.code_ttl:
                return oauth_error("invalid_grant", "expired authorization code")
            entry["used"] = True
            if form.get("redirect_uri") != entry["redirect_uri"]:
                return oauth_error("invalid_grant", "redirect_uri mismatch")
            if entry["challenge"]:
                verifier = form.get("code_verifier") or ""
                expected = s256(verifier) if entry["method"] == "S256" else verifier
                if not verifier or not hmac.compare_digest(expected, entry["challenge"]):
                    return oauth_error("invalid_grant", "invalid code verifier")
            refresh = None
            if REFRESH_SCOPES & set(entry["scope"].split()):
                refresh = secrets.token_urlsafe(64)
                state.tokens.refresh[refresh] = RefreshToken(refresh, entry["scope"])
            return _token_response(state, entry["scope"], refresh, new_refresh=True)
        if secret is None and cfg.require_secret_refresh:
            return oauth_error("invalid_client", "invalid client credentials")
        rt = state.tokens.refresh.get(form.get("refresh_token") or "")
        if rt is None or rt.revoked:
            return oauth_error("invalid_grant", "expired access/refresh token")
        if cfg.rotate_refresh_tokens:
            rt.revoked = True
            rt = RefreshToken(secrets.token_urlsafe(64), rt.scope)
            state.tokens.refresh[rt.token] = rt
            return _token_response(state, rt.scope, rt.token, new_refresh=True)
        return _token_response(state, rt.scope, rt.token)


def revoke(state, req: Request):
    value = (req.form() if req.method == "POST" else {}).get("token") or req.query.get("token")
    with state.lock:
        tokens = state.tokens
        if value in tokens.refresh:
            tokens.refresh[value].revoked = True
            for at in tokens.access.values():
                if at.refresh == value:
                    at.revoked = True
        elif value in tokens.access:
            tokens.access[value].revoked = True
        else:
            return oauth_error("invalid_token", "invalid token")
    return Response(200, b"")


def introspect(state, req: Request):
    form = req.form()
    client_id, secret = _client_credentials(req, form)
    cfg = state.config
    if client_id != cfg.client_id or secret != cfg.client_secret:
        return oauth_error("invalid_client", "invalid client credentials", 401)
    value = form.get("token") or ""
    with state.lock:
        at = state.tokens.check(value, state.clock.timestamp())
        rt = state.tokens.refresh.get(value)
        if at is None and (rt is None or rt.revoked):
            return json_response({"active": False})
        out = {"active": True, "scope": (at or rt).scope, "client_id": cfg.client_id,
               "username": cfg.username, "sub": _identity_url(state),
               "token_type": "access_token" if at else "refresh_token"}
        if at:
            out["exp"] = int(at.expires_at)
        return json_response(out)


# ---------------------------------------------------------------- identity


def _identity(state) -> dict:
    cfg, base, v = state.config, state.base_url, state.version
    org15 = cfg.org_id[:15]
    return {
        "id": _identity_url(state), "asserted_user": True, "user_id": cfg.user_id,
        "organization_id": cfg.org_id, "username": cfg.username,
        "nick_name": cfg.username.split("@")[0],
        "display_name": f"{cfg.first_name} {cfg.last_name}", "email": cfg.username,
        "email_verified": True, "first_name": cfg.first_name, "last_name": cfg.last_name,
        "timezone": "Etc/UTC", "photos": {"picture": f"{base}/profilephoto/005/F",
                                          "thumbnail": f"{base}/profilephoto/005/T"},
        "urls": {"enterprise": f"{base}/services/Soap/c/{v}/{org15}",
                 "partner": f"{base}/services/Soap/u/{v}/{org15}",
                 "rest": f"{base}/services/data/v{v}/",
                 "sobjects": f"{base}/services/data/v{v}/sobjects/",
                 "query": f"{base}/services/data/v{v}/query/"},
        "active": True, "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
        "utcOffset": 0, "last_modified_date": "2024-01-02T03:04:05Z", "is_app_installed": True,
    }


def _bad_token():
    return Response(403, b"Bad_OAuth_Token", {"Content-Type": "text/plain"})


def identity(state, req: Request, org: str, user: str):
    with state.lock:
        if state.tokens.check(req.bearer(), state.clock.timestamp()) is None:
            return _bad_token()
        cfg = state.config
        if org.lower() != cfg.org_id.lower() or user.lower() != cfg.user_id.lower():
            return oauth_error("not_found", "identity not found", 404)
        return json_response(_identity(state))


def userinfo(state, req: Request):
    with state.lock:
        if state.tokens.check(req.bearer(), state.clock.timestamp()) is None:
            return _bad_token()
        ident = _identity(state)
    return json_response({
        "sub": ident["id"], "user_id": ident["user_id"],
        "organization_id": ident["organization_id"], "preferred_username": ident["username"],
        "nickname": ident["nick_name"], "name": ident["display_name"], "email": ident["email"],
        "email_verified": True, "given_name": ident["first_name"],
        "family_name": ident["last_name"], "zoneinfo": ident["timezone"], "urls": ident["urls"],
        "active": True, "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
        "updated_at": ident["last_modified_date"], "is_app_installed": True})


def openid_configuration(state, req: Request):
    base = state.base_url
    return json_response({
        "issuer": base, "authorization_endpoint": f"{base}/services/oauth2/authorize",
        "token_endpoint": f"{base}/services/oauth2/token",
        "revocation_endpoint": f"{base}/services/oauth2/revoke",
        "userinfo_endpoint": f"{base}/services/oauth2/userinfo",
        "introspection_endpoint": f"{base}/services/oauth2/introspect",
        "scopes_supported": state.config.allowed_scopes, "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"]})


ROUTES = [
    ("GET", r"/services/oauth2/authorize", authorize),
    ("POST", r"/services/oauth2/authorize", authorize_decision),
    ("POST", r"/services/oauth2/token", token),
    ("GET|POST", r"/services/oauth2/revoke", revoke),
    ("POST", r"/services/oauth2/introspect", introspect),
    ("GET|POST", r"/services/oauth2/userinfo", userinfo),
    ("GET", r"/id/(?P<org>\w+)/(?P<user>\w+)", identity),
    ("GET", r"/\.well-known/openid-configuration", openid_configuration),
]
