"""The HubSpot emulator over plain HTTP: OAuth, contacts (list, search and its 10,000 cap, batch
read, archive, merge), rate limits. Each test asserts a fact of the reference's checklist."""

from __future__ import annotations

import base64
import hashlib
import re
import time

import requests

from devtools.hubspot_emulator import CLIENT_ID, PORTAL_ID
from tests.hubspot.conftest import (
    Api,
    authorize,
    callback_params,
    control,
    exchange,
    get_code,
    token_call,
    token_calls,
)

# ---------------------------------------------------------------- OAuth


def test_the_allow_page_redirects_with_code_and_state_and_cancel_sends_nothing(hs):
    page = authorize(hs, state="a b/c")
    assert page.status_code == 200 and "Connect app" in page.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    allowed = requests.post(hs.url("/oauth/authorize"), allow_redirects=False, timeout=5,
                            data={"request_id": request_id, "decision": "allow"})
    params = callback_params(allowed)
    assert params["state"] == "a b/c" and params["code"].startswith("na1-")

    page = authorize(hs)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    cancelled = requests.post(hs.url("/oauth/authorize"), allow_redirects=False, timeout=5,
                              data={"request_id": request_id, "decision": "deny"})
    assert cancelled.status_code == 200 and "Location" not in cancelled.headers


def test_bad_client_redirect_uri_or_scopes_get_an_error_page_and_no_redirect(hs):
    for params in ({"client_id": "other"}, {"redirect_uri": "http://evil.example/cb"},
                   {"scope": "oauth crm.objects.contacts.read"},
                   {"scope": "oauth crm.objects.contacts.read crm.objects.contacts.write "
                             "crm.objects.deals.read crm.schemas.contacts.write tickets"}):
        resp = authorize(hs, **params)
        assert resp.status_code == 400 and "Location" not in resp.headers, params
        assert "text/html" in resp.headers["Content-Type"]


def test_code_exchange_gives_30_minute_tokens_with_the_hub_id_and_codes_are_single_use(hs):
    code = get_code(hs)
    resp = exchange(hs, code)
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 1800
    assert body["hub_id"] == PORTAL_ID and "crm.objects.deals.read" in body["scopes"]
    assert body["refresh_token"].startswith("na1-") and len(body["access_token"]) >= 300
    again = exchange(hs, code)
    assert again.status_code == 400
    assert again.json()["status"] == "BAD_AUTH_CODE" and again.json()["error"] == "invalid_grant"


def test_token_errors_name_the_wrong_part(hs):
    wrong_secret = exchange(hs, get_code(hs), client_secret="nope")
    assert wrong_secret.status_code == 400
    assert wrong_secret.json()["status"] == "BAD_CLIENT_SECRET"
    assert wrong_secret.json()["error"] == "invalid_client"
    wrong_uri = exchange(hs, get_code(hs), redirect_uri="http://localhost:9/else")
    assert wrong_uri.json()["status"] == "BAD_REDIRECT_URI"


def test_pkce_is_checked_when_the_authorize_call_sent_a_challenge(hs):
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    missing = exchange(hs, get_code(hs, code_challenge=challenge, code_challenge_method="S256"))
    assert missing.json()["status"] == "BAD_CODE_VERIFIER"
    ok = exchange(hs, get_code(hs, code_challenge=challenge, code_challenge_method="S256"),
                  code_verifier=verifier)
    assert ok.status_code == 200


def test_refresh_keeps_the_refresh_token_and_revoke_stops_it_but_not_issued_access(hs, tokens):
    refreshed = token_call(hs, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] == tokens["refresh_token"]
    assert refreshed.json()["access_token"] != tokens["access_token"]
    assert token_calls(hs, "refresh_token") == 1

    revoked = token_call(hs, "/oauth/2026-03/token/revoke", token=tokens["refresh_token"],
                         token_type_hint="refresh_token")
    assert revoked.status_code == 200
    after = token_call(hs, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert after.status_code == 400
    assert after.json() == {"error": "invalid_grant",
                            "error_description": "refresh token is invalid, expired or revoked",
                            "status": "BAD_REFRESH_TOKEN",
                            "message": "refresh token is invalid, expired or revoked"}
    # Revocation does not cascade: the access token works until it expires.
    assert Api(hs, tokens["access_token"])("GET", "/account-info/v3/details").status_code == 200


def test_v1_refresh_token_delete_answers_204(hs, tokens):
    resp = requests.delete(hs.url(f"/oauth/v1/refresh-tokens/{tokens['refresh_token']}"),
                           timeout=5)
    assert resp.status_code == 204
    assert hs.state.refresh[tokens["refresh_token"]].revoked


def test_introspection_reports_the_portal_and_unknown_tokens_as_inactive(hs, tokens):
    meta = token_call(hs, "/oauth/2026-03/token/introspect", token=tokens["access_token"],
                      token_type_hint="access_token").json()
    assert meta["active"] is True and meta["hub_id"] == PORTAL_ID
    assert meta["token_use"] == "access_token" and meta["client_id"] == CLIENT_ID
    by_field = token_call(hs, "/oauth/2026-03/token/introspect",
                          refresh_token=tokens["refresh_token"]).json()
    assert by_field["active"] is True and by_field["token_use"] == "refresh_token"
    assert token_call(hs, "/oauth/2026-03/token/introspect", token="nope").json() == {
        "active": False}
    v1 = requests.get(hs.url(f"/oauth/v1/access-tokens/{tokens['access_token']}"), timeout=5)
    assert v1.json()["hub_id"] == PORTAL_ID and 0 < v1.json()["expires_in"] <= 1800


def test_bearer_check_expired_unknown_and_missing_scope(hs, api):
    hs.state.expire_tokens()
    hs.state.clock.advance(7)
    expired = api("GET", "/crm/v3/objects/contacts")
    assert expired.status_code == 401
    assert expired.json()["category"] == "EXPIRED_AUTHENTICATION"
    assert re.fullmatch(r"The OAuth token used to make this call expired \d+ second\(s\) ago\.",
                        expired.json()["message"])
    unknown = Api(hs, "nope")("GET", "/crm/v3/objects/contacts")
    assert unknown.status_code == 401 and unknown.json()["category"] == "INVALID_AUTHENTICATION"

    hs.state.configure(required_scopes=["oauth", "crm.objects.contacts.read"])
    body = exchange(hs, get_code(hs, scope="oauth crm.objects.contacts.read")).json()
    narrow = Api(hs, body["access_token"])
    assert narrow("GET", "/crm/v3/objects/contacts").status_code == 200
    denied = narrow("GET", "/crm/v3/pipelines/deals")
    assert denied.status_code == 403 and denied.json()["category"] == "MISSING_SCOPES"
    assert denied.json()["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.objects.deals.read"]


def test_legacy_paths_can_be_switched_off_as_after_their_sunset(hs, tokens):
    hs.state.configure(reject_legacy_paths=True)
    api = Api(hs, tokens["access_token"])
    assert api("GET", "/crm/v3/objects/contacts").status_code == 404
    assert api("GET", "/crm/objects/2026-03/contacts").status_code == 200
    assert token_call(hs, "/oauth/v1/token", grant_type="refresh_token",
                      refresh_token=tokens["refresh_token"]).status_code == 404
    assert hs.state.counts()["by_style"]["dated"] >= 1


# ---------------------------------------------------------------- contacts


def _seed(hs, n, **kw):
    resp = control(hs, "POST", "/seed", json={"dataset": "contacts", "contacts": n, **kw})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_list_pages_with_after_selects_properties_either_way_and_nulls_unset_ones(hs, api):
    seeded = _seed(hs, 5)
    first = api("GET", "/crm/objects/2026-03/contacts",
                params=[("limit", "2"), ("properties", "email"), ("properties", "phone,nope")])
    body = first.json()
    assert [r["id"] for r in body["results"]] == [seeded["first_id"],
                                                 str(int(seeded["first_id"]) + 1)]
    assert body["results"][0]["properties"].keys() == {"email", "phone"}
    assert body["results"][0]["properties"]["phone"] is None
    after = body["paging"]["next"]["after"]
    rest = api("GET", "/crm/v3/objects/contacts", params={"limit": 10, "after": after}).json()
    assert len(rest["results"]) == 3 and "paging" not in rest
    assert set(rest["results"][0]["properties"]) == {
        "createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}


def test_archived_contacts_are_listed_only_with_archived_true_and_keep_their_modified_date(
        hs, api):
    seeded = _seed(hs, 3)
    rid = seeded["first_id"]
    before = api("GET", f"/crm/v3/objects/contacts/{rid}").json()["updatedAt"]
    assert control(hs, "DELETE", f"/contacts/{rid}").status_code == 204
    live = api("GET", "/crm/v3/objects/contacts").json()["results"]
    assert rid not in [r["id"] for r in live]
    archived = api("GET", "/crm/v3/objects/contacts", params={"archived": "true"}).json()
    assert [r["id"] for r in archived["results"]] == [rid]
    assert archived["results"][0]["archived"] is True and archived["results"][0]["archivedAt"]
    assert archived["results"][0]["updatedAt"] == before
    assert api("GET", f"/crm/v3/objects/contacts/{rid}").status_code == 404
    assert api("POST", "/crm/v3/objects/contacts/search", json={}).json()["total"] == 2


def _window(lo, hi=None, sort="lastmodifieddate", limit=200, after=0, extra=()):
    filters = [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(lo)}]
    if hi is not None:
        filters.append({"propertyName": "lastmodifieddate", "operator": "LT", "value": str(hi)})
    filters.extend(extra)
    return {"filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": ["email", "lastmodifieddate", "hs_object_id"],
            "limit": limit, "after": str(after)}


def test_search_window_sorted_paged_with_total_and_the_chosen_properties(hs, api):
    _seed(hs, 450, start_ms=1_767_225_600_000, spacing_ms=10)
    body = api.search(_window(1_767_225_600_000 + 1000, 1_767_225_600_000 + 4000)).json()
    assert body["total"] == 300 and len(body["results"]) == 200
    assert body["paging"]["next"]["after"] == "200"
    stamps = [r["properties"]["lastmodifieddate"] for r in body["results"]]
    assert stamps[0] == "2026-01-01T00:00:01Z"  # whole seconds drop the fraction
    assert stamps[1] == "2026-01-01T00:00:01.010Z"
    assert set(body["results"][0]["properties"]) == {"email", "lastmodifieddate", "hs_object_id"}
    last = api.search(_window(1_767_225_600_000 + 1000, 1_767_225_600_000 + 4000,
                              after=200)).json()
    assert len(last["results"]) == 100 and "paging" not in last
    iso = api.search(_window("2026-01-01T00:00:01.000Z", "2026-01-01T00:00:04Z")).json()
    assert iso["total"] == 300


def test_search_caps_at_10000_results_exactly(hs, api):
    _seed(hs, 10_050)
    edge = api.search(_window(0, after=9800))
    assert edge.status_code == 200
    assert edge.json()["total"] == 10_050 and len(edge.json()["results"]) == 200
    assert edge.json()["paging"]["next"]["after"] == "10000"
    beyond = api.search(_window(0, after=10_000))
    assert beyond.status_code == 400
    assert beyond.json()["status"] == "error" and beyond.json()["category"] == "VALIDATION_ERROR"
    assert api.search(_window(0, after=9_900)).status_code == 400  # 9,900 + 200 > 10,000
    assert api.search(_window(0, after=9_999, limit=1)).status_code == 200


def test_search_limits_are_400s(hs, api):
    assert api.search(_window(0, limit=201)).json()["category"] == "VALIDATION_ERROR"
    two_sorts = {**_window(0), "sorts": [{"propertyName": "email"},
                                         {"propertyName": "lastmodifieddate"}]}
    assert api.search(two_sorts).status_code == 400
    too_big = {**_window(0), "properties": ["x" * 40] * 80}
    assert api.search(too_big).status_code == 400
    six_groups = {"filterGroups": [{"filters": []}] * 6}
    assert api.search(six_groups).status_code == 400


def test_hs_lastmodifieddate_on_contacts_matches_nothing(hs, api):
    _seed(hs, 20)
    body = {"filterGroups": [{"filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"}]}]}
    assert api.search(body).json()["total"] == 0


def test_one_millisecond_is_paged_by_id_numerically_across_a_digit_boundary(hs, api):
    """Over 10,000 contacts in one millisecond (a bulk import) are reached with
    ``lastmodifieddate EQ t`` + ``hs_object_id GT last`` sorted by id — compared as numbers, so
    ids growing from 11 to 12 digits are not skipped."""
    seeded = _seed(hs, 300, same_ms=True, start_ms=1_767_225_600_000)
    assert len(seeded["first_id"]) == 11 and len(seeded["last_id"]) == 12
    seen, last = [], 0
    while True:
        body = _window(1_767_225_600_000, sort="hs_object_id", limit=100, extra=[
            {"propertyName": "lastmodifieddate", "operator": "EQ", "value": "1767225600000"},
            {"propertyName": "hs_object_id", "operator": "GT", "value": str(last)}])
        page = api.search(body).json()["results"]
        if not page:
            break
        seen += [r["id"] for r in page]
        last = int(page[-1]["id"])
    assert len(seen) == 300 == len(set(seen)) and seen[-1] == seeded["last_id"]


def test_100000_contacts_seed_in_seconds_and_a_window_search_is_fast(hs, api):
    started = time.monotonic()
    seeded = _seed(hs, 100_000)
    assert time.monotonic() - started < 5
    assert seeded["contacts"] == 100_000
    first = api.search(_window(0, limit=1)).json()
    assert first["total"] == 100_000
    lo = int(time.time() * 1000) - 60_000 - 50_000
    control(hs, "PUT", "/limits", json={"search_per_second": 1000})  # time the emulator only
    started = time.monotonic()
    for after in range(0, 2000, 200):
        page = api.search(_window(lo, after=after)).json()
        assert len(page["results"]) == 200
    assert time.monotonic() - started < 5


def test_batch_read_answers_207_for_unknown_ids(hs, api):
    seeded = _seed(hs, 2)
    resp = api("POST", "/crm/objects/2026-03/contacts/batch/read",
               json={"properties": ["email"], "inputs": [{"id": seeded["first_id"]},
                                                         {"id": "999"}]})
    assert resp.status_code == 207
    body = resp.json()
    assert [r["id"] for r in body["results"]] == [seeded["first_id"]]
    assert body["numErrors"] == 1 and body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["999"]}
    assert body["errors"][0]["message"].startswith("Could not get some CONTACT objects")


def test_merge_lists_absorbed_ids_and_the_merged_away_contact_disappears(hs, api):
    seeded = _seed(hs, 3)
    a, b = seeded["first_id"], str(int(seeded["first_id"]) + 1)
    merged = control(hs, "POST", "/contacts/merge", json={"primary": a, "merged": [b]})
    assert merged.status_code == 200
    survivor = api("GET", f"/crm/v3/objects/contacts/{a}",
                   params={"properties": "hs_merged_object_ids"}).json()
    assert survivor["properties"]["hs_merged_object_ids"] == b
    listed = [r["id"] for r in api("GET", "/crm/v3/objects/contacts").json()["results"]]
    assert b not in listed and a in listed
    assert b not in [r["id"] for r in api.search({}).json()["results"]]
    assert api("GET", f"/crm/v3/objects/contacts/{b}").json()["id"] == a


# ---------------------------------------------------------------- rate limits


def test_ten_second_window_429_body_headers_and_counters(hs, api):
    control(hs, "PUT", "/limits", json={"ten_second_limit": 3})
    answers = [api("GET", "/crm/v3/objects/contacts") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers.get("X-HubSpot-RateLimit-Remaining") for a in answers[:3]] == [
        "2", "1", "0"]
    assert answers[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert answers[0].headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    body = answers[3].json()
    assert body["status"] == "error" and body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert control(hs, "GET", "/calls").json()["rate_limited"] == {"TEN_SECONDLY_ROLLING": 1}


def test_search_allows_five_per_second_without_headers(hs, api):
    answers = [api.search({}) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert answers[5].status_code == 429
    assert answers[5].json()["message"] == "You have reached your secondly limit."
    assert "X-HubSpot-RateLimit-Max" not in answers[0].headers


def test_forced_429s_and_the_daily_limit(hs, api):
    control(hs, "POST", "/faults", json={"kind": "429", "count": 2})
    codes = [api("GET", "/crm/v3/objects/contacts").status_code for _ in range(3)]
    assert codes == [429, 429, 200]
    control(hs, "PUT", "/limits", json={"daily_limit": 2, "reset_windows": True})
    codes = [api("GET", "/crm/v3/objects/contacts").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert api("GET", "/crm/v3/objects/contacts").json()["policyName"] == "DAILY"
    assert hs.state.counts()["rate_limited_total"] == 4  # two forced, two daily


def test_search_sees_a_write_only_after_the_index_lag(hs, api):
    hs.state.configure(search_lag_seconds=30.0)
    made = control(hs, "POST", "/contacts", json={"properties": {"email": "new@example.com"}})
    assert made.status_code == 201
    assert api.search({}).json()["total"] == 0
    assert api("GET", f"/crm/v3/objects/contacts/{made.json()['id']}").status_code == 200
    hs.state.clock.advance(31)
    assert api.search({}).json()["total"] == 1
