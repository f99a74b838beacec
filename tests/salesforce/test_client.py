"""The Salesforce API client against the emulator: paging, describe, updates, errors, refresh."""

from __future__ import annotations

import pytest

from host.contracts import ConnectionResult, NeedsReconnect
from host.integrations import get_connection
from plugins.salesforce import errors
from plugins.salesforce.client import NotConnected, RecordUpdate, SalesforceClient
from tests.salesforce.conftest import KEY, calls, connect, page_text, refreshes


@pytest.fixture
def connected(sf, client_a, org_a):
    """Org A connected to a small seeded emulator org; yields inside org A's schema."""
    connect(client_a, org_a)
    sf.state.seed("demo", contacts=7, accounts=2, opportunities=2)
    sf.state.calls.clear()
    with org_a:
        yield sf


def _client(**kwargs) -> SalesforceClient:
    return SalesforceClient.for_current_org(**kwargs)


def _contacts(sf) -> list[dict]:
    return [r for r in sf.state.records("Contact", include_deleted=False)]


def test_query_pages_follow_next_records_url_until_done(connected):
    connected.state.configure(force_page_size=2)
    pages = list(_client().query_pages("SELECT Id, Email FROM Contact ORDER BY Id"))
    assert [len(p["records"]) for p in pages] == [2, 2, 2, 1]
    assert [p["done"] for p in pages] == [False, False, False, True]
    ids = [r["Id"] for p in pages for r in p["records"]]
    assert sorted(ids) == sorted(r["Id"] for r in _contacts(connected))
    assert calls(connected, "query") == 1 and calls(connected, "queryMore") == 3


def test_query_all_includes_deleted_rows_only_when_asked(connected):
    victim = _contacts(connected)[0]["Id"]
    connected.state.delete("Contact", victim)
    client = _client()
    live = client.query_all("SELECT Id FROM Contact")
    everything = client.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)
    assert victim not in {r["Id"] for r in live} and len(live) == 6
    assert {r["Id"]: r["IsDeleted"] for r in everything}[victim] is True


def test_describe_and_api_usage(connected):
    client = _client()
    fields = {f["name"]: f for f in client.describe("Contact")["fields"]}
    assert fields["Email"]["type"] == "email" and fields["NPS_Score__c"]["custom"] is True
    used = connected.state.api_usage()["used"]
    assert client.api_usage is not None
    assert (client.api_usage.used, client.api_usage.limit) == (used, 15000)
    assert any(o["name"] == "Contact" for o in client.describe_global()["sobjects"])
    with pytest.raises(errors.NotFound) as exc:
        client.describe("NoSuchThing__c")
    assert exc.value.error_code == "NOT_FOUND"


def test_update_one_record_and_a_bad_field(connected):
    rid = _contacts(connected)[0]["Id"]
    client = _client()
    client.update("Contact", rid, {"NPS_Score__c": 9})
    assert connected.state.get("Contact", rid)["NPS_Score__c"] == 9
    with pytest.raises(errors.InvalidRequest) as exc:
        client.update("Contact", rid, {"No_Such_Field__c": 1})
    assert exc.value.error_code == "INVALID_FIELD"
    assert "does not exist in your Salesforce org" in exc.value.message
    with pytest.raises(errors.InvalidRequest, match="not a Salesforce record id"):
        client.update("Contact", "../../limits", {"NPS_Score__c": 1})


def test_update_many_reports_each_record_in_order_and_chunks_by_200(connected):
    ids = [r["Id"] for r in _contacts(connected)[:2]]
    missing = ids[0][:3] + "0" * 12
    results = _client().update_many([
        RecordUpdate("Contact", ids[0], {"CSAT_Score__c": 4}),
        RecordUpdate("Contact", missing, {"CSAT_Score__c": 4}),
        RecordUpdate("Contact", ids[1], {"CSAT_Score__c": 5}),
    ])
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"]
    assert connected.state.get("Contact", ids[1])["CSAT_Score__c"] == 5
    connected.state.calls.clear()
    many = [RecordUpdate("Contact", ids[0], {"CSAT_Score__c": 3})] * 201
    assert len(_client().update_many(many)) == 201
    assert calls(connected, "collections") == 2


def test_salesforce_errors_become_plain_language_exceptions(connected):
    client = _client()
    with pytest.raises(errors.InvalidRequest) as bad:
        client.query("SELEC Id FRM Contact")
    assert bad.value.error_code == "MALFORMED_QUERY" and bad.value.status == 400
    connected.state.add_fault("503")
    with pytest.raises(errors.SalesforceUnavailable) as down:
        client.query("SELECT Id FROM Contact")
    assert down.value.retryable and "temporarily unavailable" in down.value.message
    connected.state.add_fault("BAD_GATEWAY")
    with pytest.raises(errors.SalesforceUnavailable, match="HTTP 502"):
        client.query("SELECT Id FROM Contact")
    connected.state.add_fault("REQUEST_LIMIT_EXCEEDED")
    with pytest.raises(errors.ApiLimitExceeded, match="daily API request limit") as quota:
        client.query("SELECT Id FROM Contact")
    assert quota.value.error_code == "REQUEST_LIMIT_EXCEEDED" and not quota.value.retryable
    assert issubclass(errors.ApiLimitExceeded, errors.SalesforceError)


def test_timeouts_and_unreachable_instances_are_unavailable(connected, settings):
    connected.state.configure(api_delay_seconds=1.5)
    with pytest.raises(errors.SalesforceUnavailable, match="did not answer in time"):
        _client(timeout=(2, 0.3)).query("SELECT Id FROM Contact")
    connected.state.configure(api_delay_seconds=0.0)
    conn = get_connection(KEY)
    creds = conn.credentials
    conn.store_result(ConnectionResult(conn.external_account_id, conn.account_label,
                                       {**creds, "instance_url": "http://127.0.0.1:9"}))
    settings.SALESFORCE_LOGIN_URL = "http://127.0.0.1:9"  # the operator's emulator, gone
    with pytest.raises(errors.SalesforceUnavailable, match="could not be reached"):
        _client().query("SELECT Id FROM Contact")


@pytest.mark.parametrize("instance_url", ["http://acme.my.salesforce.com",
                                          "http://127.0.0.1:9", "https://evil.example"])
def test_instance_urls_off_salesforce_or_the_operators_emulator_are_refused(connected,
                                                                            instance_url):
    conn = get_connection(KEY)
    conn.store_result(ConnectionResult(conn.external_account_id, conn.account_label,
                                       {**conn.credentials, "instance_url": instance_url}))
    with pytest.raises(errors.InvalidRequest, match="not a Salesforce https:// address"):
        _client().query("SELECT Id FROM Contact")
    assert calls(connected, "query") == 0


# --- refresh -------------------------------------------------------------------------------------


def test_an_expired_session_refreshes_once_and_retries(connected):
    before = get_connection(KEY)
    old_access = before.credentials["access_token"]
    connected.state.expire_tokens()
    rows = _client().query_all("SELECT Id FROM Contact")
    assert len(rows) == 7
    assert refreshes(connected) == 1
    after = get_connection(KEY)
    assert after.credentials_version == before.credentials_version + 1
    assert after.credentials["access_token"] != old_access
    assert after.credentials["refresh_token"] == before.credentials["refresh_token"]
    assert after.status == "connected"


def test_a_session_refused_after_refresh_raises_instead_of_looping(connected):
    connected.state.add_fault("401", count=2)
    with pytest.raises(errors.SessionExpired) as exc:
        _client().query("SELECT Id FROM Contact")
    assert exc.value.error_code == "INVALID_SESSION_ID"
    assert refreshes(connected) == 1


def test_a_rotated_refresh_token_is_saved(connected):
    connected.state.configure(rotate_refresh_tokens=True)
    first = get_connection(KEY).credentials["refresh_token"]
    connected.state.expire_tokens()
    _client().query("SELECT Id FROM Contact")
    second = get_connection(KEY).credentials["refresh_token"]
    assert second != first
    with connected.state.lock:
        assert connected.state.tokens.refresh[first].revoked
    connected.state.expire_tokens()  # the saved (rotated) token works for the next refresh
    _client().query("SELECT Id FROM Contact")
    assert refreshes(connected) == 2
    assert get_connection(KEY).status == "connected"


def test_invalid_grant_on_refresh_needs_reconnect_with_a_banner(connected, client_a, org_a):
    refresh_token = get_connection(KEY).credentials["refresh_token"]
    with connected.state.lock:
        connected.state.tokens.refresh[refresh_token].revoked = True
    connected.state.expire_tokens()
    with pytest.raises(NeedsReconnect, match="no longer accepts the saved sign-in"):
        _client().query("SELECT Id FROM Contact")
    conn = get_connection(KEY)
    assert conn.status == "needs_attention"
    with pytest.raises(NeedsReconnect):  # paused: no further calls reach Salesforce
        _client().query("SELECT Id FROM Contact")
    assert refreshes(connected) == 1
    conn.settings = {**conn.settings, "trigger_mode": "auto"}
    conn.save()
    page = page_text(client_a.get("/settings/integrations/salesforce"))
    assert "Needs attention" in page and 'role="alert"' in page
    assert ">Reconnect</button>" in page
    assert "Needs attention" in page_text(client_a.get("/settings/integrations"))
    page = page_text(connect(client_a, org_a))  # the banner's Reconnect button
    assert "Connected as" in page
    conn = get_connection(KEY)
    assert conn.status == "connected" and conn.settings["trigger_mode"] == "auto"
    assert len(_client().query_all("SELECT Id FROM Contact")) == 7


def test_a_client_for_a_disconnected_org_says_so(sf, org_a):
    with org_a:
        with pytest.raises(NotConnected, match="not connected"):
            _client().query("SELECT Id FROM Contact")
    assert calls(sf, "query") == 0
