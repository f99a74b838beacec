"""OAuth 2.0 web-server flow with PKCE, refresh/rotation, revocation and identity."""

import base64
import hashlib
import hmac
import re

import requests

from devtools.salesforce_emulator.oauth import s256

from .conftest import (
    CHALLENGE,
    CLIENT_ID,
    REDIRECT,
    SECRET,
    VERIFIER,
    V,
    authorize,
    callback_params,
    consent,
    exchange,
    get_code,
    refresh,
)


def test_rfc7636_appendix_b_vector():
    assert s256(VERIFIER) == CHALLENGE
    digest = hashlib.sha256(VERIFIER.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == CHALLENGE


def test_consent_page_shows_app_scopes_and_exact_buttons(sf):
    page = authorize(sf)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "Allow access?" in page.text and sf.state.config.app_name in page.text
    assert "(api)" in page.text and "refresh_token" in page.text
    buttons = re.findall(r"<button[^>]*>([^<]*)</button>", page.text)
    assert buttons == ["Allow", "Deny"]


def test_full_code_exchange_response_shape_and_signature(sf):
    params = callback_params(consent(sf, state="opaque value/+="))
    assert params["state"] == "opaque value/+=" and params["code"].endswith("==")
    resp = exchange(sf, params["code"])
    assert resp.status_code == 200
    tok = resp.json()
    assert set(tok) == {"access_token", "refresh_token", "signature", "scope", "instance_url",
                        "id", "token_type", "issued_at"}
    cfg = sf.state.config
    assert tok["access_token"].startswith(cfg.org_id[:15] + "!")
    assert tok["token_type"] == "Bearer" and set(tok["scope"].split()) == {"api", "refresh_token"}
    assert tok["instance_url"] == sf.base_url
    assert tok["id"] == f"{sf.base_url}/id/{cfg.org_id}/{cfg.user_id}"
    assert re.fullmatch(r"\d{13}", tok["issued_at"])
    mac = hmac.new(SECRET.encode(), (tok["id"] + tok["issued_at"]).encode(), hashlib.sha256)
    assert tok["signature"] == base64.b64encode(mac.digest()).decode()


def test_auto_approve_redirects_at_once_and_deny_redirects_with_error(sf):
    denied = consent(sf, decision="deny")
    assert denied.headers["Location"] == (REDIRECT + "?error=access_denied&error_description="
                                          "end-user%20denied%20authorization&state=st-1")
    sf.state.configure(auto_approve=True)
    assert "code" in callback_params(authorize(sf))


def test_bad_client_or_redirect_uri_renders_error_page_without_redirect(sf):
    for params, error in [({"client_id": "nope"}, "invalid_client_id"),
                          ({"redirect_uri": "http://evil.example/cb"}, "redirect_uri_mismatch"),
                          ({"redirect_uri": REDIRECT + "/"}, "redirect_uri_mismatch"),
                          ({"redirect_uri": None}, "redirect_uri_missing")]:
        resp = authorize(sf, **params)
        assert resp.status_code == 400 and "Location" not in resp.headers
        assert error in resp.text
    sf.state.configure(redirect_uris=["http://127.0.0.1:9000/cb"])
    assert authorize(sf, redirect_uri="http://127.0.0.1:9000/cb").status_code == 200


def test_pkce_required_and_enforced(sf):
    missing = callback_params(authorize(sf, code_challenge=None, code_challenge_method=None))
    assert missing["error"] == "invalid_request" and missing["state"] == "st-1"
    for verifier in (None, VERIFIER[:-1] + "Y"):
        resp = exchange(sf, get_code(sf), code_verifier=verifier)
        assert resp.status_code == 400
        assert resp.json() == {"error": "invalid_grant", "error_description":
                               "invalid code verifier"}
    plain = "p" * 43
    code = get_code(sf, code_challenge=plain, code_challenge_method="plain")
    assert exchange(sf, code, code_verifier=plain).status_code == 200
    sf.state.configure(require_pkce=False)
    code = get_code(sf, code_challenge=None, code_challenge_method=None)
    assert exchange(sf, code, code_verifier=None).status_code == 200


def test_codes_are_single_use_and_expire(sf):
    code = get_code(sf)
    assert exchange(sf, code).status_code == 200
    again = exchange(sf, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert exchange(sf, "made-up").json()["error"] == "invalid_grant"
    code = get_code(sf)
    sf.state.clock.advance(16 * 60)
    assert exchange(sf, code).json() == {"error": "invalid_grant",
                                         "error_description": "expired authorization code"}
    assert exchange(sf, get_code(sf), redirect_uri=REDIRECT + "x").json()["error"] == \
        "invalid_grant"


def test_client_authentication(sf):
    wrong = exchange(sf, get_code(sf), client_secret="wrong")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"
    assert exchange(sf, get_code(sf), client_secret=None).json()["error"] == "invalid_client"
    assert exchange(sf, get_code(sf), client_id="other").json()["error"] == "invalid_client_id"
    basic = requests.post(sf.url("/services/oauth2/token"), auth=(CLIENT_ID, SECRET), timeout=5,
                          data={"grant_type": "authorization_code", "code": get_code(sf),
                                "redirect_uri": REDIRECT, "code_verifier": VERIFIER,
                                "unknown_field": "ignored"})
    assert basic.status_code == 200
    sf.state.configure(require_secret=False)
    assert exchange(sf, get_code(sf), client_secret=None).status_code == 200
    bad_grant = requests.post(sf.url("/services/oauth2/token"), data={"grant_type": "password"},
                              timeout=5)
    assert bad_grant.json()["error"] == "unsupported_grant_type"


def test_refresh_without_and_with_rotation(sf, tokens):
    first = refresh(sf, tokens["refresh_token"])
    assert first.status_code == 200 and "refresh_token" not in first.json()
    assert "expires_in" not in first.json()
    assert requests.get(sf.url(V + "/limits"), timeout=5, headers={
        "Authorization": "Bearer " + first.json()["access_token"]}).status_code == 200
    assert refresh(sf, tokens["refresh_token"], client_secret=None).json()["error"] == \
        "invalid_client"
    sf.state.configure(rotate_refresh_tokens=True)
    rotated = refresh(sf, tokens["refresh_token"])
    new_rt = rotated.json()["refresh_token"]
    assert new_rt != tokens["refresh_token"]
    stale = refresh(sf, tokens["refresh_token"])
    assert stale.status_code == 400 and stale.json() == {
        "error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert refresh(sf, new_rt).status_code == 200


def test_no_refresh_token_without_scope(sf):
    tok = exchange(sf, get_code(sf, scope="api")).json()
    assert "refresh_token" not in tok and tok["scope"] == "api"
    assert callback_params(authorize(sf, scope="api bogus"))["error"] == "invalid_scope"


def test_revoke_refresh_token_kills_its_access_tokens(sf, tokens):
    headers = {"Authorization": "Bearer " + tokens["access_token"]}
    assert requests.get(sf.url(V + "/limits"), headers=headers, timeout=5).status_code == 200
    resp = requests.post(sf.url("/services/oauth2/revoke"), timeout=5,
                         data={"token": tokens["refresh_token"]})
    assert resp.status_code == 200 and resp.content == b""
    after = requests.get(sf.url(V + "/limits"), headers=headers, timeout=5)
    assert after.status_code == 401
    assert after.json() == [{"message": "Session expired or invalid",
                             "errorCode": "INVALID_SESSION_ID"}]
    assert refresh(sf, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    unknown = requests.post(sf.url("/services/oauth2/revoke"), data={"token": "x"}, timeout=5)
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_token"
    other = exchange(sf, get_code(sf)).json()
    by_get = requests.get(sf.url("/services/oauth2/revoke"), timeout=5,
                          params={"token": other["access_token"]})
    assert by_get.status_code == 200
    assert refresh(sf, other["refresh_token"]).status_code == 200


def test_identity_and_userinfo(sf, tokens):
    headers = {"Authorization": "Bearer " + tokens["access_token"]}
    ident = requests.get(tokens["id"], headers=headers, timeout=5)
    assert ident.status_code == 200
    body = ident.json()
    cfg = sf.state.config
    assert body["organization_id"] == cfg.org_id and body["user_id"] == cfg.user_id
    assert body["username"] == cfg.username == "admin@acme-demo.example"
    assert body["urls"]["rest"] == f"{sf.base_url}/services/data/v59.0/"
    info = requests.get(sf.url("/services/oauth2/userinfo"), headers=headers, timeout=5).json()
    assert info["sub"] == tokens["id"] and info["preferred_username"] == cfg.username
    assert requests.get(tokens["id"], timeout=5,
                        headers={"Authorization": "Bearer nope"}).status_code == 403


def test_expired_access_token_gives_invalid_session_then_refresh_recovers(sf, tokens, api):
    assert api("GET", V + "/limits").status_code == 200
    sf.state.expire_tokens()
    resp = api("GET", V + "/limits")
    assert resp.status_code == 401 and resp.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    sf.state.configure(access_token_ttl=60)
    fresh = refresh(sf, tokens["refresh_token"]).json()["access_token"]
    headers = {"Authorization": "Bearer " + fresh}
    assert requests.get(sf.url(V + "/limits"), headers=headers, timeout=5).status_code == 200
    sf.state.clock.advance(61)
    assert requests.get(sf.url(V + "/limits"), headers=headers, timeout=5).status_code == 401
