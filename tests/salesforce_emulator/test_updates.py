"""Single-record PATCH and sObject Collections updates, with every error kind."""

from datetime import UTC, datetime

from .conftest import V


def _contact(sf, **values):
    return sf.state.create("Contact", {"LastName": "Lovelace", **values})["Id"]


def test_single_patch_updates_and_bumps_modstamp(sf, api):
    sf.state.clock.freeze(datetime(2024, 5, 1, tzinfo=UTC))
    rid = _contact(sf)
    sf.state.clock.advance(90)
    resp = api("PATCH", f"{V}/sobjects/Contact/{rid}",
               json={"NPS_Score__c": 9, "Last_Survey_Date__c": "2024-05-01",
                     "Survey_Notes__c": 42})
    assert resp.status_code == 204 and resp.content == b""
    rec = sf.state.get("Contact", rid)
    assert rec["NPS_Score__c"] == 9.0 and rec["Last_Survey_Date__c"] == "2024-05-01"
    assert rec["Survey_Notes__c"] == "42" and rec["Score_Formula__c"] == 90.0
    assert rec["SystemModstamp"] == rec["LastModifiedDate"] == "2024-05-01T00:01:30.000+0000"
    assert rec["CreatedDate"] == "2024-05-01T00:00:00.000+0000"
    got = api("GET", f"{V}/sobjects/Contact/{rid.lower()}", params={"fields": "Id,NPS_Score__c"})
    assert got.json() == {"attributes": {"type": "Contact", "url": f"{V}/sobjects/Contact/{rid}"},
                          "Id": rid, "NPS_Score__c": 9.0}


def test_single_patch_errors(sf, api):
    rid, gone = _contact(sf), _contact(sf)
    sf.state.delete("Contact", gone)
    cases = [
        (rid, {"Nope__c": 1}, 400, "INVALID_FIELD"),
        (rid, {"Score_Formula__c": 1, "Name": "x"}, 400, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        (rid, {"NPS_Score__c": "nine"}, 400, "JSON_PARSER_ERROR"),
        ("not-an-id", {"NPS_Score__c": 1}, 400, "MALFORMED_ID"),
        ("0065g0000004C95AAE", {"NPS_Score__c": 1}, 400, "MALFORMED_ID"),
        (rid[:5] + "zzzzzzzzzz", {"NPS_Score__c": 1}, 404, "NOT_FOUND"),
        (gone, {"NPS_Score__c": 1}, 404, "ENTITY_IS_DELETED"),
    ]
    for target, body, status, code in cases:
        resp = api("PATCH", f"{V}/sobjects/Contact/{target}", json=body)
        assert (resp.status_code, resp.json()[0]["errorCode"]) == (status, code), body
    ro = api("PATCH", f"{V}/sobjects/Contact/{rid}", json={"Score_Formula__c": 1, "Name": "x"})
    assert ro.json()[0]["fields"] == ["Score_Formula__c", "Name"]
    assert sf.state.get("Contact", rid)["Score_Formula__c"] is None
    assert api("PATCH", f"{V}/sobjects/Contact/{rid}", data="{oops",
               headers={"Content-Type": "application/json"}).status_code == 400


def test_create_get_and_delete_rows(sf, api):
    made = api("POST", f"{V}/sobjects/Contact/", json={"LastName": "New", "Email": "n@x.example"})
    assert made.status_code == 201 and made.json()["success"] is True
    rid = made.json()["id"]
    assert rid.startswith("003") and sf.state.get("Contact", rid)["Email"] == "n@x.example"
    missing = api("POST", f"{V}/sobjects/Contact/", json={"Email": "x@x.example"})
    assert missing.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert api("DELETE", f"{V}/sobjects/Contact/{rid}").status_code == 204
    assert api("GET", f"{V}/sobjects/Contact/{rid}").json()[0]["errorCode"] == "ENTITY_IS_DELETED"


def _records(*items):
    return [{"attributes": {"type": "Contact"}, **item} for item in items]


def test_collections_per_record_results_in_order(sf, api):
    ok1, ok2, gone = _contact(sf), _contact(sf), _contact(sf)
    sf.state.delete("Contact", gone)
    body = {"allOrNone": False, "records": _records(
        {"id": ok1, "NPS_Score__c": 10},
        {"id": ok2, "Bogus__c": 1},
        {"id": ok2, "Score_Formula__c": 3},
        {"id": gone, "NPS_Score__c": 1},
        {"id": "bad-id", "NPS_Score__c": 1},
        {"NPS_Score__c": 1},
        {"id": ok2, "CSAT_Score__c": 4.5},
    ) + [{"id": ok1, "NPS_Score__c": 2}]}
    resp = api("PATCH", f"{V}/composite/sobjects", json=body)
    assert resp.status_code == 200
    results = resp.json()
    assert [r["success"] for r in results] == [True, False, False, False, False, False, True,
                                               False]
    codes = [r["errors"][0]["statusCode"] if r["errors"] else None for r in results]
    assert codes == [None, "INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE",
                     "ENTITY_IS_DELETED", "MALFORMED_ID", "MISSING_ARGUMENT", None,
                     "INVALID_TYPE"]
    assert results[0]["id"] == ok1 and results[2]["errors"][0]["fields"] == ["Score_Formula__c"]
    assert "id" not in results[4]
    assert sf.state.get("Contact", ok1)["NPS_Score__c"] == 10.0
    assert sf.state.get("Contact", ok2)["CSAT_Score__c"] == 4.5


def test_collections_all_or_none_rolls_back(sf, api):
    good, other = _contact(sf), _contact(sf)
    body = {"allOrNone": True, "records": _records({"id": good, "NPS_Score__c": 7},
                                                   {"id": other, "Nope__c": 1})}
    results = api("PATCH", f"{V}/composite/sobjects", json=body).json()
    assert results[0] == {"id": good, "success": False, "errors": [{
        "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "fields": [],
        "message": "Record rolled back because not all records were valid and the request was "
                   "using AllOrNone header"}]}
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert sf.state.get("Contact", good)["NPS_Score__c"] is None


def test_collections_limits_and_bad_bodies(sf, api):
    rid = _contact(sf)
    too_many = {"records": _records(*[{"id": rid, "NPS_Score__c": 1}] * 201)}
    resp = api("PATCH", f"{V}/composite/sobjects", json=too_many)
    assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    exactly = {"records": _records(*[{"id": rid, "NPS_Score__c": 1}] * 200)}
    assert len(api("PATCH", f"{V}/composite/sobjects", json=exactly).json()) == 200
    assert api("PATCH", f"{V}/composite/sobjects", json=[1]).status_code == 400
    before = sf.state.api_usage()["used"]
    api("PATCH", f"{V}/composite/sobjects", json=exactly)
    assert sf.state.api_usage()["used"] == before + 1  # one call for the whole collection


def test_opportunity_close_won_derives_flags(sf, api):
    opp = sf.state.create("Opportunity", {"Name": "Deal", "StageName": "Prospecting",
                                          "CloseDate": "2024-06-01"})["Id"]
    assert sf.state.get("Opportunity", opp)["IsWon"] is False
    resp = api("PATCH", f"{V}/sobjects/Opportunity/{opp}", json={"StageName": "Closed Won"})
    assert resp.status_code == 204
    rec = sf.state.get("Opportunity", opp)
    assert rec["IsWon"] is True and rec["IsClosed"] is True
    ro = api("PATCH", f"{V}/sobjects/Opportunity/{opp}", json={"IsWon": False})
    assert ro.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
