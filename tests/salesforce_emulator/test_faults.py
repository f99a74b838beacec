"""Limits, Sforce-Limit-Info, fault injection and the control API over HTTP."""

import time

import requests

from .conftest import V, authorize, callback_params, exchange, get_code


def test_limits_and_usage_header(sf, api):
    first = api("GET", V + "/limits")
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    assert first.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 14999}
    second = api.query("SELECT Id FROM Contact")
    assert second.headers["Sforce-Limit-Info"] == "api-usage=2/15000"
    requests.put(sf.url("/__emulator__/limits"), json={"used": 99, "max": 100}, timeout=5)
    assert api("GET", V + "/limits").headers["Sforce-Limit-Info"] == "api-usage=100/100"
    blocked = api("GET", V + "/limits")
    assert blocked.status_code == 403
    assert blocked.json() == [{"message": "TotalRequests Limit exceeded.",
                               "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def _fault(sf, **body):
    resp = requests.post(sf.url("/__emulator__/faults"), json=body, timeout=5)
    assert resp.status_code == 200, resp.text


def test_fail_next_n_calls_then_recover(sf, api):
    _fault(sf, kind="SERVER_UNAVAILABLE", count=2)
    for _ in range(2):
        resp = api("GET", V + "/limits")
        assert resp.status_code == 503
        assert resp.json() == [{"message": "Server Unavailable", "errorCode": "SERVER_UNAVAILABLE"}]
    assert api("GET", V + "/limits").status_code == 200
    _fault(sf, kind="502")
    bad_gateway = api("GET", V + "/limits")
    assert bad_gateway.status_code == 502 and bad_gateway.text.startswith("<html>")
    _fault(sf, kind="500")
    assert api("GET", V + "/limits").json()[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    _fault(sf, kind="REQUEST_LIMIT_EXCEEDED")
    assert api("GET", V + "/limits").status_code == 403
    _fault(sf, kind="INVALID_SESSION_ID")
    assert api("GET", V + "/limits").status_code == 401
    _fault(sf, kind="CONCURRENT_LIMIT", after=1)
    assert api("GET", V + "/limits").status_code == 200
    assert "ConcurrentPerOrgLongTxn" in api("GET", V + "/limits").json()[0]["message"]
    assert api("GET", V + "/limits").status_code == 200


def test_duration_faults_and_token_endpoint_faults(sf, api):
    _fault(sf, kind="SERVER_UNAVAILABLE", seconds=0.3)
    assert api("GET", V + "/limits").status_code == 503
    assert api("GET", V + "/limits").status_code == 503
    time.sleep(0.35)
    assert api("GET", V + "/limits").status_code == 200
    _fault(sf, kind="503", target="token")
    code = get_code(sf)
    assert api("GET", V + "/limits").status_code == 200  # token faults do not hit the API
    assert exchange(sf, code).status_code == 503
    assert exchange(sf, get_code(sf)).status_code == 200
    _fault(sf, kind="503", count=5)
    assert requests.delete(sf.url("/__emulator__/faults"), timeout=5).json() == []
    assert api("GET", V + "/limits").status_code == 200
    unknown = requests.post(sf.url("/__emulator__/faults"), json={"kind": "nope"}, timeout=5)
    assert unknown.status_code == 400


def test_call_counter_and_control_records(sf, api):
    requests.delete(sf.url("/__emulator__/calls"), timeout=5)
    api.query("SELECT Id FROM Contact")
    api("GET", V + "/sobjects/Contact/describe")
    api("GET", V + "/sobjects/Contact/describe")
    counts = requests.get(sf.url("/__emulator__/calls"), timeout=5).json()
    assert counts == {"total": 3, "by_endpoint": {"query": 1, "describe": 2}}
    made = requests.post(sf.url("/__emulator__/records/Contact"), timeout=5,
                         json={"LastName": "Ctl", "NPS_Score__c": 5}).json()
    rid = made["Id"]
    requests.patch(sf.url(f"/__emulator__/records/Contact/{rid}"), json={"NPS_Score__c": 9},
                   timeout=5)
    got = requests.get(sf.url(f"/__emulator__/records/Contact/{rid}"), timeout=5).json()
    assert got["NPS_Score__c"] == 9.0
    other = sf.state.create("Contact", {"LastName": "Dup"})["Id"]
    merged = requests.post(sf.url("/__emulator__/merge"), timeout=5,
                           json={"object": "Contact", "winner": rid, "losers": [other]})
    assert merged.status_code == 200
    assert sf.state.get("Contact", other)["MasterRecordId"] == rid
    live = requests.get(sf.url("/__emulator__/records/Contact?include_deleted=false"),
                        timeout=5).json()
    assert [r["Id"] for r in live] == [rid]
    q = requests.post(sf.url("/__emulator__/query"), timeout=5,
                      json={"q": "SELECT Id FROM Contact", "all": True}).json()
    assert q["totalSize"] == 2
    bad = requests.get(sf.url("/__emulator__/records/Contact/003000000000001AAA"), timeout=5)
    assert bad.status_code == 404


def test_control_reset_seed_config_clock_and_token_expiry(sf, api):
    state = requests.post(sf.url("/__emulator__/reset"), json={"seed": "demo", "contacts": 12},
                          timeout=5).json()
    assert state["records"]["Contact"]["total"] == 12 and state["base_url"] == sf.base_url
    assert api("GET", V + "/limits").status_code == 401  # reset dropped tokens
    cfg = requests.patch(sf.url("/__emulator__/config"), timeout=5,
                         json={"force_page_size": 2, "auto_approve": True}).json()
    assert cfg["force_page_size"] == 2 and cfg["auto_approve"] is True
    bad = requests.patch(sf.url("/__emulator__/config"), json={"nope": 1}, timeout=5)
    assert bad.status_code == 400
    clock = requests.post(sf.url("/__emulator__/clock"), timeout=5,
                          json={"freeze": "2024-01-02T03:04:05Z"}).json()
    assert clock == {"now": "2024-01-02T03:04:05.000+0000", "frozen": True}
    token = exchange(sf, callback_params(authorize(sf))["code"]).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(sf.url(V + "/limits"), headers=headers, timeout=5).status_code == 200
    assert requests.post(sf.url("/__emulator__/tokens/expire"), timeout=5).json()["expired"] >= 1
    assert requests.get(sf.url(V + "/limits"), headers=headers, timeout=5).status_code == 401
    big = sf.state.seed("demo", contacts=100_000)
    assert big["contacts"] == 100_000
