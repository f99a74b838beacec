"""Connect, refresh and disconnect against the emulator over HTTP (reference §1)."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlsplit

from django.db import connection as db
from django.test import Client

from devtools.hubspot_emulator import PORTAL_ID, REQUIRED_SCOPES
from host import crypto
from host.integrations import get_connection
from plugins.hubspot import paths
from plugins.hubspot.client import HubSpotClient
from tests.conftest import host_of, owner_of
from tests.hubspot.conftest import token_calls
from tests.hubspot.platform import begin, connect, page_text

THREADS = 10


def test_authorize_url_is_the_documented_one_without_pkce(hs, client_a):
    url = urlsplit(begin(client_a))
    query = parse_qs(url.query)
    assert url.path == "/oauth/authorize"
    assert query["scope"] == [" ".join(REQUIRED_SCOPES)]
    assert "%20" in url.query and "code_challenge" not in query
    assert query["redirect_uri"] == ["http://localhost:8000/oauth/hubspot/callback"]
    assert len(query["state"][0]) >= 32


def test_connect_stores_the_portal_and_a_token_with_its_expiry(hs, client_a, org_a):
    page = page_text(connect(hs, client_a, org_a))
    assert "HubSpot is connected as" in page
    with org_a:
        conn = get_connection("hubspot")
        assert conn.status == conn.Status.CONNECTED
        assert conn.external_account_id == str(PORTAL_ID)
        creds = conn.credentials
        assert creds["refresh_token"] and 1700 < creds["expires_at"] - time.time() <= 1800
    calls = hs.state.counts()["by_endpoint"]
    assert not [name for name in calls if "/oauth/v1/" in name]
    assert token_calls(hs, "authorization_code") == 1


def test_disconnect_revokes_the_refresh_token(hs, client_a, org_a):
    connect(hs, client_a, org_a)
    with org_a:
        refresh = get_connection("hubspot").credentials["refresh_token"]
    response = client_a.post("/settings/integrations/hubspot/disconnect", follow=True)
    assert "HubSpot is disconnected" in page_text(response)
    assert hs.state.refresh[refresh].revoked
    with org_a:
        assert get_connection("hubspot").status == "disconnected"


def test_concurrent_calls_with_an_expired_token_refresh_once(hs, committed_org):
    org = committed_org("hs")
    client = Client(HTTP_HOST=host_of(org))
    client.force_login(owner_of(org))
    connect(hs, client, org)
    hs.state.expire_tokens()
    barrier = threading.Barrier(THREADS)
    results, failures = [], []

    def worker():
        try:
            with org:
                api = HubSpotClient(get_connection("hubspot"))  # every thread holds a stale token
                barrier.wait(timeout=30)
                results.append(bool(api.call("GET", paths.pipelines("deals"))["results"]))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures[:3]
    assert results == [True] * THREADS
    assert token_calls(hs, "refresh_token") == 1


def test_a_token_near_expiry_is_refreshed_before_the_call(hs, client_a, org_a):
    connect(hs, client_a, org_a)
    with org_a:
        conn = get_connection("hubspot")
        conn.credentials_encrypted = crypto.encrypt_json(
            {**conn.credentials, "expires_at": int(time.time()) + 60})
        conn.save()
        HubSpotClient(get_connection("hubspot")).call("GET", paths.pipelines("deals"))
    assert token_calls(hs, "refresh_token") == 1
    assert hs.state.counts()["rate_limited_total"] == 0


def test_an_expired_token_answer_refreshes_and_retries_once(hs, client_a, org_a):
    connect(hs, client_a, org_a)
    hs.state.expire_tokens()
    with org_a:
        answer = HubSpotClient(get_connection("hubspot")).call("GET", paths.pipelines("deals"))
    assert answer["results"]
    assert token_calls(hs, "refresh_token") == 1


def test_setup_error_names_the_missing_settings(client_a, settings):
    settings.HUBSPOT_CLIENT_ID, settings.HUBSPOT_CLIENT_SECRET = "", "set"
    page = page_text(client_a.get("/settings/integrations/hubspot"))
    assert "<code>HUBSPOT_CLIENT_ID</code>" in page and "HUBSPOT_CLIENT_SECRET" not in page
    answer = page_text(client_a.post("/settings/integrations/hubspot/connect", follow=True))
    assert "OAuth setup error: HUBSPOT_CLIENT_ID is not set." in answer
