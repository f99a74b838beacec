"""Disconnect revokes at Salesforce, wipes the tokens, keeps the settings, and always completes."""

from __future__ import annotations

from host.integrations import get_connection
from tests.salesforce.conftest import KEY, calls, connect, page_text


def _disconnect(client):
    response = client.post(f"/settings/integrations/{KEY}/disconnect", follow=True)
    assert response.status_code == 200
    return page_text(response)


def test_disconnect_revokes_the_token_and_wipes_it(sf, client_a, org_a):
    connect(client_a, org_a)
    with org_a:
        conn = get_connection(KEY)
        conn.settings = {**conn.settings, "trigger_mode": "both"}
        conn.save()
        refresh = conn.credentials["refresh_token"]
        access = conn.credentials["access_token"]
    page = _disconnect(client_a)
    assert "Salesforce is disconnected." in page
    assert "Status: <span class=\"status status-disconnected\">Disconnected</span>" in page
    assert ">Connect Salesforce</button>" in page
    assert calls(sf, "oauth2.revoke") == 1
    with sf.state.lock:
        assert sf.state.tokens.refresh[refresh].revoked
        assert sf.state.tokens.access[access].revoked  # revoking the refresh token ends sessions
    with org_a:
        conn = get_connection(KEY)
        assert conn.status == "disconnected"
        assert conn.credentials_encrypted == "" and conn.credentials == {}
        assert conn.settings["trigger_mode"] == "both"


def test_a_failing_revoke_still_disconnects_and_says_so(sf, client_a, org_a):
    connect(client_a, org_a)
    with org_a:
        refresh = get_connection(KEY).credentials["refresh_token"]
    sf.state.add_fault("503", target="token")
    page = _disconnect(client_a)
    assert "Salesforce is disconnected." in page
    assert "did not confirm revoking the token (HTTP 503)" in page
    with sf.state.lock:
        assert not sf.state.tokens.refresh[refresh].revoked
    with org_a:
        conn = get_connection(KEY)
        assert conn.status == "disconnected" and conn.credentials == {}


def test_disconnect_with_salesforce_unreachable_still_disconnects(sf, client_a, org_a,
                                                                  settings):
    from host.contracts import ConnectionResult

    connect(client_a, org_a)
    with org_a:
        conn = get_connection(KEY)
        conn.store_result(ConnectionResult(conn.external_account_id, conn.account_label, {
            **conn.credentials, "login_url": "http://127.0.0.1:9"}))
    settings.SALESFORCE_LOGIN_URL = "http://127.0.0.1:9"  # the operator's emulator, gone
    page = _disconnect(client_a)
    assert "could not be reached" in page and "could not be revoked" in page
    with org_a:
        assert get_connection(KEY).status == "disconnected"


def test_disconnecting_when_never_connected_is_harmless(sf, client_a, org_a):
    page = _disconnect(client_a)
    assert "Salesforce is disconnected." in page
    assert calls(sf, "oauth2.revoke") == 0
