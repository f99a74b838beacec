"""Connecting Salesforce: OAuth web-server flow with PKCE against the emulator, over HTTP."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection as db
from django.utils import timezone

from devtools.salesforce_emulator import DEFAULT_REDIRECT_URI, EmulatorConfig, start_emulator
from host import crypto
from host.integrations import get_connection
from plugins.salesforce import oauth
from tenants.models import OAuthState
from tests.conftest import host_of, owner_of
from tests.salesforce.conftest import (
    CLIENT_ID,
    KEY,
    begin,
    callback,
    code_exchanges,
    connect,
    consent,
    org_client,
    page_text,
)

ORG_ID = EmulatorConfig().org_id
USERNAME = EmulatorConfig().username


def _stored_verifier(org) -> str:
    pending = OAuthState.objects.filter(organization=org).latest("created_at")
    return crypto.decrypt_json(pending.private_state_encrypted)["code_verifier"]


def test_s256_matches_the_rfc7636_appendix_b_vector():
    assert oauth.s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_connect_redirects_to_salesforce_with_an_s256_challenge(sf, client_a, org_a):
    url = urlsplit(begin(client_a))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == sf.url("/services/oauth2/authorize")
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == DEFAULT_REDIRECT_URI
    assert query["scope"] == "api refresh_token"
    assert query["code_challenge_method"] == "S256"
    verifier = _stored_verifier(org_a)
    assert 43 <= len(verifier) <= 128
    assert query["code_challenge"] == oauth.s256(verifier)
    assert verifier not in url.geturl()  # the verifier never leaves the server
    assert len(query["state"]) >= 40


def test_full_dance_connects_and_shows_who_and_which_org(sf, client_a, org_a):
    page = page_text(connect(client_a, org_a))
    assert f"Connected as {USERNAME} — org {ORG_ID}, production" in page
    assert code_exchanges(sf) == 1
    with org_a:
        conn = get_connection(KEY)
        assert conn.status == "connected"
        assert conn.external_account_id == ORG_ID
        assert conn.details["instance_url"] == sf.base_url
        assert conn.details["username"] == USERNAME
        assert conn.details["environment"] == "production"
        assert conn.settings["login_host"] == "production"
    cards = page_text(client_a.get("/settings/integrations"))
    assert f"Connected as {USERNAME} — org {ORG_ID}, production" in cards


def test_the_token_request_must_carry_the_matching_verifier(sf, client_a, org_a):
    params = consent(begin(client_a))
    pending = OAuthState.objects.get(organization=org_a)
    private = crypto.decrypt_json(pending.private_state_encrypted)
    pending.private_state_encrypted = crypto.encrypt_json(
        {**private, "code_verifier": "x" * 64})
    pending.save()
    page = page_text(callback(client_a, org_a, params))
    assert code_exchanges(sf) == 1  # the emulator checked it and refused
    assert "invalid code verifier" in page and "Connect Salesforce" in page
    with org_a:
        assert get_connection(KEY).status == "not_connected"


def test_tokens_are_encrypted_at_rest_and_never_rendered(sf, client_a, org_a):
    page = page_text(connect(client_a, org_a))
    with sf.state.lock:
        access = list(sf.state.tokens.access)
        refresh = list(sf.state.tokens.refresh)
    assert len(access) == 1 and len(refresh) == 1
    with org_a:
        with db.cursor() as cur:
            cur.execute("SELECT credentials_encrypted, details::text, settings::text "
                        "FROM host_integrationconnection WHERE provider = %s", [KEY])
            raw = " ".join(cur.fetchone())
        creds = get_connection(KEY).credentials
    for secret in access + refresh:
        assert secret not in raw
        assert secret not in page
    assert creds["access_token"] == access[0] and creds["refresh_token"] == refresh[0]
    assert "verifier" not in OAuthState.objects.get(organization=org_a).private_state_encrypted


def test_tokens_never_reach_the_logs(sf, client_a, org_a, caplog):
    caplog.set_level(logging.DEBUG)
    connect(client_a, org_a)
    with sf.state.lock:
        secrets = [*sf.state.tokens.access, *sf.state.tokens.refresh]
    assert secrets and not any(s in caplog.text for s in secrets)
    assert "demo-client-secret" not in caplog.text


def test_signature_mismatch_is_refused(sf, client_a, org_a):
    sf.state.configure(signature_secret="someone-else")
    page = page_text(connect(client_a, org_a))
    assert "signature check" in page
    with org_a:
        assert get_connection(KEY).status == "not_connected"


# --- state misuse: the token endpoint is never called ----------------------------------------------


def test_replayed_state_never_reaches_the_token_endpoint(sf, client_a, org_a):
    params = consent(begin(client_a))
    callback(client_a, org_a, params)
    assert code_exchanges(sf) == 1
    page = page_text(callback(client_a, org_a, params))
    assert "already used" in page and "fresh session and avoid stale tabs" in page
    assert code_exchanges(sf) == 1


def test_forged_state_never_reaches_the_token_endpoint(sf, client_a, org_a):
    params = consent(begin(client_a))
    response = callback(client_a, org_a, {**params, "state": "forged-" + params["state"]})
    assert response.status_code == 400 and b"fresh session" in response.content
    assert code_exchanges(sf) == 0


def test_expired_state_never_reaches_the_token_endpoint(sf, client_a, org_a):
    params = consent(begin(client_a))
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = page_text(callback(client_a, org_a, params))
    assert "expired" in page and "avoid stale tabs" in page
    assert code_exchanges(sf) == 0


def test_state_from_another_browser_session_never_reaches_the_token_endpoint(sf, client_a,
                                                                            org_a):
    params = consent(begin(client_a))
    page = page_text(callback(org_client(org_a), org_a, params))
    assert "another browser session" in page
    assert code_exchanges(sf) == 0
    with org_a:
        assert get_connection(KEY).status == "not_connected"


def test_denied_consent_lands_on_the_settings_page_with_a_fresh_connect_button(sf, client_a,
                                                                               org_a):
    response = connect(client_a, org_a, decision="deny")
    page = page_text(response)
    assert response.redirect_chain[-1][0] == "/settings/integrations/salesforce"
    assert "end-user denied authorization" in page
    assert ">Connect Salesforce</button>" in page
    assert code_exchanges(sf) == 0


# --- reconnecting ------------------------------------------------------------------------------------


def test_reconnecting_keeps_every_setting(sf, client_a, org_a):
    connect(client_a, org_a)
    with org_a:
        conn = get_connection(KEY)
        conn.settings = {**conn.settings, "trigger_mode": "both", "nps_field": "NPS_Score__c"}
        conn.save()
        version = conn.credentials_version
    page = page_text(connect(client_a, org_a))  # the Reconnect button posts no form fields
    assert "Connected as" in page
    with org_a:
        conn = get_connection(KEY)
        assert conn.settings["trigger_mode"] == "both"
        assert conn.settings["nps_field"] == "NPS_Score__c"
        assert conn.settings["login_host"] == "production"
        assert conn.credentials_version > version


def test_a_different_salesforce_org_is_refused_until_disconnected(sf, client_a, org_a):
    connect(client_a, org_a)
    other_org = "00D5g00000OthErEAA"
    sf.state.configure(org_id=other_org)
    page = page_text(connect(client_a, org_a))
    assert "Disconnect first" in page and other_org in page
    with org_a:
        conn = get_connection(KEY)
        assert conn.external_account_id == ORG_ID and conn.status == "connected"
        kept = conn.credentials["refresh_token"]
    with sf.state.lock:  # the stray grant was let go; ours still works
        assert [t.token for t in sf.state.tokens.refresh.values() if t.revoked] != [kept]
        assert sum(t.revoked for t in sf.state.tokens.refresh.values()) == 1
        assert not sf.state.tokens.refresh[kept].revoked
    client_a.post(f"/settings/integrations/{KEY}/disconnect")
    page = page_text(connect(client_a, org_a))
    assert f"org {other_org}" in page
    with org_a:
        assert get_connection(KEY).external_account_id == other_org


# --- login hosts --------------------------------------------------------------------------------------


def test_sandbox_and_my_domain_choices_are_saved_and_used(sf, client_a, org_a):
    url = urlsplit(begin(client_a, login_host="sandbox"))
    assert url.netloc == "test.salesforce.com"
    url = urlsplit(begin(client_a, login_host="custom", my_domain="acme--uat.sandbox.my."
                                                                "salesforce.com"))
    assert (url.scheme, url.netloc) == ("https", "acme--uat.sandbox.my.salesforce.com")
    with org_a:
        settings = get_connection(KEY).settings
    assert settings["login_host"] == "custom"
    assert settings["my_domain"] == "https://acme--uat.sandbox.my.salesforce.com"
    url = urlsplit(begin(client_a))  # Reconnect without the form reuses the saved choice
    assert url.netloc == "acme--uat.sandbox.my.salesforce.com"


def test_a_lightning_address_is_refused_with_the_address_to_use(sf, client_a, org_a):
    response = client_a.post(f"/settings/integrations/{KEY}/connect",
                             {"login_host": "custom", "my_domain": "acme.lightning.force.com"},
                             follow=True)
    page = page_text(response)
    assert response.status_code == 200
    assert "Use https://acme.my.salesforce.com instead" in page
    assert not OAuthState.objects.filter(organization=org_a).exists()
    with org_a:
        assert "login_host" not in get_connection(KEY).settings


def test_a_non_https_login_url_is_refused(sf, client_a, settings):
    settings.SALESFORCE_LOGIN_URL = "http://login.example.com"
    page = page_text(client_a.post(f"/settings/integrations/{KEY}/connect", follow=True))
    assert "must use https://" in page


# --- failures -----------------------------------------------------------------------------------------


def test_missing_client_id_and_secret_show_the_oauth_setup_error(sf, client_a, settings):
    settings.SALESFORCE_CLIENT_ID = ""
    settings.SALESFORCE_CLIENT_SECRET = ""
    for path in ("/settings/integrations", "/settings/integrations/salesforce"):
        response = client_a.get(path)
        page = page_text(response)
        assert response.status_code == 200
        assert "OAuth setup error" in page
        assert "SALESFORCE_CLIENT_ID" in page and "SALESFORCE_CLIENT_SECRET" in page
    assert "<strong>OAuth setup error</strong>" in page
    assert "<button type=\"submit\" disabled>Connect Salesforce</button>" in page
    response = client_a.post(f"/settings/integrations/{KEY}/connect", follow=True)
    assert response.status_code == 200
    assert "OAuth setup error: SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET" in \
        page_text(response)
    assert sf.state.call_counts()["total"] == 0


def test_no_setup_error_when_configured(sf, client_a):
    cards = page_text(client_a.get("/settings/integrations")).split("<article")
    [card] = [c for c in cards if 'aria-labelledby="card-salesforce"' in c]
    assert "OAuth setup error" not in card  # other CRMs' cards speak for themselves
    page = page_text(client_a.get("/settings/integrations/salesforce"))
    assert "<strong>OAuth setup error</strong>" not in page
    assert '<button type="submit">Connect Salesforce</button>' in page


def test_only_the_secret_missing_names_only_the_secret(sf, client_a, settings):
    settings.SALESFORCE_CLIENT_SECRET = ""
    page = page_text(client_a.get("/settings/integrations/salesforce"))
    assert "<code>SALESFORCE_CLIENT_SECRET</code>" in page
    assert "<code>SALESFORCE_CLIENT_ID</code>" not in page


def test_unreachable_salesforce_gives_a_clear_message(settings, client_a, org_a):
    gone = start_emulator(port=0)
    settings.SALESFORCE_LOGIN_URL = gone.base_url
    settings.SALESFORCE_CLIENT_ID, settings.SALESFORCE_CLIENT_SECRET = CLIENT_ID, "demo-client-secret"
    settings.SALESFORCE_REDIRECT_URI = DEFAULT_REDIRECT_URI
    params = consent(begin(client_a))
    gone.stop()
    response = callback(client_a, org_a, params)
    assert response.status_code == 200
    assert "could not be reached" in page_text(response)
    with org_a:
        conn = get_connection(KEY)
        assert conn.status == "not_connected" and conn.credentials == {}


def test_token_endpoint_outage_gives_a_clear_message(sf, client_a, org_a):
    params = consent(begin(client_a))
    sf.state.add_fault("503", target="token")
    page = page_text(callback(client_a, org_a, params))
    assert "sign-in service is unavailable (HTTP 503)" in page
    with org_a:
        assert get_connection(KEY).status == "not_connected"


def test_wrong_client_secret_names_the_settings_to_check(sf, client_a, org_a, settings):
    params = consent(begin(client_a))
    settings.SALESFORCE_CLIENT_SECRET = "not-the-secret"
    page = page_text(callback(client_a, org_a, params))
    assert "did not accept the platform's client credentials" in page
    assert "SALESFORCE_CLIENT_SECRET" in page


def test_configure_page_and_connect_need_an_org_admin(sf, org_a):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tenants.models import Membership

    anonymous = Client(HTTP_HOST=host_of(org_a))
    assert anonymous.get("/settings/integrations/salesforce").status_code == 302
    user = get_user_model().objects.create_user(username="m@org-a.example",
                                                email="m@org-a.example", password="x-9-y-8-z")
    Membership.objects.create(user=user, organization=org_a, role=Membership.Role.MEMBER)
    member = Client(HTTP_HOST=host_of(org_a))
    member.force_login(user)
    assert member.get("/settings/integrations/salesforce").status_code == 403
    assert member.post(f"/settings/integrations/{KEY}/connect").status_code == 403
    assert owner_of(org_a) != user


@pytest.mark.parametrize("typed, expected", [
    ("acme", "https://acme.my.salesforce.com"),
    ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
    ("https://Acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
    ("acme--uat.sandbox.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com"),
    ("acme-dev-ed.develop.my.salesforce.com", "https://acme-dev-ed.develop.my.salesforce.com"),
])
def test_my_domain_forms_admins_type(typed, expected):
    from plugins.salesforce.login_hosts import normalize_my_domain

    assert normalize_my_domain(typed) == expected


@pytest.mark.parametrize("typed, says", [
    ("acme.lightning.force.com", "Use https://acme.my.salesforce.com"),
    ("acme--uat.sandbox.lightning.force.com", "Use https://acme--uat.sandbox.my.salesforce.com"),
    ("http://acme.my.salesforce.com", "must start with https://"),
    ("evil.example.com", "is not a Salesforce My Domain"),
    ("acme.my.salesforce.com.evil.com", "is not a Salesforce My Domain"),
    ("https://acme.my.salesforce.com/path", "Enter only the domain"),
    ("", "Enter your My Domain"),
])
def test_my_domain_mistakes_are_explained(typed, says):
    from plugins.salesforce.login_hosts import LoginHostError, normalize_my_domain

    with pytest.raises(LoginHostError, match=says):
        normalize_my_domain(typed)
