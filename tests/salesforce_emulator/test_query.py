"""Versions, SOQL query/queryAll with pagination, parent fields, subqueries and describe."""
# ruff: noqa: S608 - SOQL strings built from test constants, not SQL

import re
from datetime import UTC, datetime

import pytest

from devtools.salesforce_emulator import ids
from devtools.salesforce_emulator.soql import SoqlError, compile_query

from .conftest import V

REST_DT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000")


def test_real_ids_checksum_and_case_recovery():
    for real in ("0035w000035gg9GAAQ", "0065w000023STAmAAO", "0067F000003pmdWQAQ",
                 "0017F000007ydJmQAI", "00D7F00000107XsUAI", "04l7F000008aeAyQAI"):
        assert ids.to18(real[:15]) == real
        assert ids.normalize(real.lower()) == real and ids.normalize(real[:15]) == real
    assert ids.normalize("0035w000035gg9GAAA") == "0035w000035gg9gAAA"  # suffix decides case
    assert ids.normalize("0035w000035gg9GAA9") is None and ids.normalize("bad") is None
    made = ids.IdFactory().new("003")
    assert len(made) == 18 and made.startswith("003") and ids.normalize(made) == made


def test_versions_need_no_auth_and_unknown_version_is_404(sf, api):
    import requests

    versions = requests.get(sf.url("/services/data/"), timeout=5).json()
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    resp = api("GET", "/services/data/v99.0/limits")
    assert resp.status_code == 404 and resp.json()[0]["errorCode"] == "NOT_FOUND"


def _contacts(sf, n, **extra):
    return [sf.state.create("Contact", {"LastName": f"Person{i:02d}", **extra})["Id"]
            for i in range(n)]


def test_query_pages_with_next_records_url(sf, api):
    made = _contacts(sf, 7)
    sf.state.configure(force_page_size=2)
    resp = api.query("SELECT Id, LastName FROM Contact ORDER BY LastName")
    seen, pages = [], 0
    while True:
        body = resp.json()
        assert body["totalSize"] == 7
        seen += [r["Id"] for r in body["records"]]
        pages += 1
        if body["done"]:
            assert "nextRecordsUrl" not in body
            break
        assert re.fullmatch(r"/services/data/v59\.0/query/01g\w{15}-\d+", body["nextRecordsUrl"])
        resp = api("GET", body["nextRecordsUrl"])
    assert pages == 4 and seen == made
    bad = api("GET", V + "/query/01g000000000000AAA-2")
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_batch_size_header_is_clamped(sf, api):
    sf.state.seed("demo", contacts=450)
    small = api.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(small.json()["records"]) == 200 and small.json()["totalSize"] == 450
    default = api.query("SELECT Id FROM Contact").json()
    assert default["done"] and len(default["records"]) == 450
    count = api.query("SELECT COUNT() FROM Contact WHERE AccountId != null").json()
    assert count["records"] == [] and count["totalSize"] == 405


def test_query_all_includes_deleted_and_merged(sf, api):
    winner, loser, gone = _contacts(sf, 3)
    sf.state.delete("Contact", gone)
    sf.state.merge("Contact", winner, [loser])
    soql = "SELECT Id, IsDeleted, MasterRecordId FROM Contact ORDER BY LastName"
    assert [r["Id"] for r in api.query(soql).json()["records"]] == [winner]
    rows = {r["Id"]: r for r in api.query(soql, all_rows=True).json()["records"]}
    assert rows[loser]["IsDeleted"] is True and rows[loser]["MasterRecordId"] == winner
    assert rows[gone]["IsDeleted"] is True and rows[gone]["MasterRecordId"] is None
    assert rows[winner]["IsDeleted"] is False
    deleted = api.query("SELECT Id FROM Contact WHERE IsDeleted = true", all_rows=True).json()
    assert {r["Id"] for r in deleted["records"]} == {loser, gone}


def test_string_escaping_round_trips(sf, api):
    tricky = "O'Br\\ien"  # a quote and a backslash
    rid = sf.state.create("Contact", {"LastName": tricky, "Email": "o@x.example"})["Id"]
    _contacts(sf, 2)
    literal = tricky.replace("\\", "\\\\").replace("'", "\\'")
    rows = api.query(f"SELECT Id, LastName FROM Contact WHERE LastName = '{literal}'").json()
    assert [(r["Id"], r["LastName"]) for r in rows["records"]] == [(rid, tricky)]
    sf.state.create("Contact", {"LastName": "100% sure"})
    like = api.query(r"SELECT LastName FROM Contact WHERE LastName LIKE '%\%%'").json()
    assert [r["LastName"] for r in like["records"]] == ["100% sure"]
    assert api.query("SELECT Id FROM Contact WHERE LastName = 'o\\'br\\\\IEN'").json()[
        "totalSize"] == 1  # string equality is case-insensitive


@pytest.mark.parametrize("soql,code", [
    ("SELECT Id, Nope__c FROM Contact", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE Bogus = 1", "INVALID_FIELD"),
    ("SELECT Id, Nope.Name FROM Contact", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE SystemModstamp > '2024-01-01'", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE NPS_Score__c = '9'", "INVALID_FIELD"),
    ("SELECT Id FROM Nothing", "INVALID_TYPE"),
    ("SELECT FROM Contact", "MALFORMED_QUERY"),
    ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
    ("SELECT Id FROM Contact WHERE LastName = 'open", "MALFORMED_QUERY"),
    ("SELECT Id FROM Contact LIMIT", "MALFORMED_QUERY"),
    ("SELECT Id FROM Contact WHERE (LastName = 'x'", "MALFORMED_QUERY"),
    ("SELECT Id Contact", "MALFORMED_QUERY"),
])
def test_query_errors(api, soql, code):
    resp = api.query(soql)
    assert resp.status_code == 400 and resp.json()[0]["errorCode"] == code
    with pytest.raises(SoqlError):
        compile_query(soql)


def test_where_operators_dates_and_ordering(sf, api):
    clock = sf.state.clock
    clock.freeze(datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC))
    a = sf.state.create("Contact", {"FirstName": "Ann", "LastName": "Alpha", "NPS_Score__c": 9,
                                    "Last_Survey_Date__c": "2024-04-30"})["Id"]
    b = sf.state.create("Contact", {"FirstName": "Bob", "LastName": "Beta", "NPS_Score__c": 3})["Id"]
    clock.advance(60)
    c = sf.state.create("Contact", {"LastName": "Gamma", "Email": "g@x.example"})["Id"]

    def ids_of(where, order="LastName"):
        soql = f"SELECT Id FROM Contact WHERE {where} ORDER BY {order}"
        resp = api.query(soql)
        assert resp.status_code == 200, resp.text
        return [r["Id"] for r in resp.json()["records"]]

    assert ids_of("SystemModstamp >= 2024-05-01T12:00:00Z") == [a, b, c]  # equal stamps
    assert ids_of("SystemModstamp > 2024-05-01T12:00:00+00:00") == [c]
    assert ids_of("SystemModstamp < 2024-05-01T14:00:59+02:00") == [a, b]
    assert ids_of("NPS_Score__c >= 5 OR (Email != null AND NOT LastName = 'Beta')") == [a, c]
    assert ids_of("LastName IN ('alpha', 'Gamma') AND NPS_Score__c = null") == [c]
    assert ids_of("LastName NOT IN ('Alpha')") == [b, c]
    assert ids_of("Last_Survey_Date__c = 2024-04-30") == [a]
    assert ids_of(f"Id = '{b[:15]}'") == [b]
    assert ids_of("LastName LIKE '_e%'") == [b]
    assert ids_of("Id != null", "NPS_Score__c DESC, LastName DESC") == [a, b, c]
    assert ids_of("Id != null", "NPS_Score__c ASC NULLS LAST") == [b, a, c]
    limited = api.query("SELECT Id FROM Contact ORDER BY LastName DESC LIMIT 2").json()
    assert [r["Id"] for r in limited["records"]] == [c, b] and limited["totalSize"] == 2
    row = api.query(f"SELECT SystemModstamp, NPS_Score__c FROM Contact WHERE Id = '{a}'").json()
    assert row["records"][0]["SystemModstamp"] == "2024-05-01T12:00:00.000+0000"
    assert row["records"][0]["NPS_Score__c"] == 9.0


def test_parent_fields_subquery_and_record_shape(sf, api):
    sf.state.seed("demo", contacts=30)
    rows = api.query("SELECT Id, Email, Account.Name, Owner.Name, SystemModstamp FROM Contact "
                     "ORDER BY Id").json()["records"]
    first = next(r for r in rows if r["Account"])
    assert first["attributes"] == {"type": "Contact",
                                   "url": f"{V}/sobjects/Contact/{first['Id']}"}
    assert first["Account"]["attributes"]["type"] == "Account" and first["Account"]["Name"]
    assert first["Owner"]["Name"] and REST_DT.fullmatch(first["SystemModstamp"])
    assert any(r["Account"] is None for r in rows)
    opps = api.query(
        "SELECT Id, Name, IsWon, ContactId, (SELECT ContactId, IsPrimary, Role, Contact.Email "
        "FROM OpportunityContactRoles ORDER BY IsPrimary DESC) FROM Opportunity "
        "WHERE IsWon = true").json()["records"]
    assert opps and all(o["IsWon"] for o in opps)
    roles = opps[0]["OpportunityContactRoles"]
    assert roles["done"] and roles["records"][0]["IsPrimary"] is True
    assert roles["records"][0]["ContactId"] == opps[0]["ContactId"]
    ocr = api.query(f"SELECT ContactId, IsPrimary FROM OpportunityContactRole WHERE "
                    f"OpportunityId = '{opps[0]['Id']}' ORDER BY IsPrimary DESC").json()
    assert ocr["totalSize"] == roles["totalSize"]


def test_describe_and_global_describe(api):
    desc = api("GET", V + "/sobjects/Contact/describe").json()
    assert desc["name"] == "Contact" and desc["keyPrefix"] == "003"
    fields = {f["name"]: f for f in desc["fields"]}
    assert fields["NPS_Score__c"]["type"] == "double" and fields["NPS_Score__c"]["custom"]
    assert fields["NPS_Score__c"]["updateable"] and fields["Last_Survey_Date__c"]["type"] == "date"
    assert fields["Score_Formula__c"]["updateable"] is False
    assert fields["Score_Formula__c"]["calculated"] is True
    assert fields["Survey_Notes__c"]["type"] == "string"
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    assert fields["AccountId"]["relationshipName"] == "Account"
    for key in ("label", "nillable", "length", "createable", "picklistValues"):
        assert key in fields["Email"]
    opp = api("GET", V + "/sobjects/Opportunity/describe").json()
    stage = next(f for f in opp["fields"] if f["name"] == "StageName")
    assert "Closed Won" in [p["value"] for p in stage["picklistValues"]]
    names = [o["name"] for o in api("GET", V + "/sobjects").json()["sobjects"]]
    assert {"Contact", "Opportunity", "OpportunityContactRole"} <= set(names)
    missing = api("GET", V + "/sobjects/Nope/describe")
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"


def test_updated_and_deleted_resources(sf, api):
    sf.state.clock.freeze(datetime(2024, 5, 1, tzinfo=UTC))
    keep, drop = _contacts(sf, 2)
    sf.state.clock.advance(3600)
    sf.state.delete("Contact", drop)
    window = {"start": "2024-04-30T00:00:00+00:00", "end": "2024-05-02T00:00:00+00:00"}
    upd = api("GET", V + "/sobjects/Contact/updated/", params=window).json()
    assert upd["ids"] == [keep] and REST_DT.fullmatch(upd["latestDateCovered"])
    gone = api("GET", V + "/sobjects/Contact/deleted/", params=window).json()
    assert gone["deletedRecords"] == [{"id": drop, "deletedDate": "2024-05-01T01:00:00.000+0000"}]
