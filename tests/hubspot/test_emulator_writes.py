"""The HubSpot emulator's pushback side over plain HTTP: property definitions, creating
properties and groups, batch update with its 100-input, 207 and whole-batch 400 rules."""

from __future__ import annotations

from tests.hubspot.conftest import control

PROPS = "/crm/properties/2026-03/contacts"
BATCH = "/crm/objects/2026-03/contacts/batch/update"
NPS = {"name": "nps_score", "label": "NPS score", "type": "number", "fieldType": "number",
       "groupName": "survey_platform"}


def _contacts(hs, n=3) -> list[str]:
    seeded = control(hs, "POST", "/seed", json={"dataset": "contacts", "contacts": n}).json()
    first = int(seeded["first_id"])
    return [str(first + i) for i in range(n)]


def _create_survey_properties(api):
    assert api("POST", f"{PROPS}/groups", json={"name": "survey_platform",
                                                "label": "Survey platform"}).status_code == 201
    for body in (NPS, {**NPS, "name": "csat_score", "label": "CSAT score"},
                 {"name": "last_survey_date", "label": "Last survey date", "type": "date",
                  "fieldType": "date", "groupName": "survey_platform"}):
        resp = api("POST", PROPS, json=body)
        assert resp.status_code == 201, resp.text


def test_definitions_carry_type_field_type_and_read_only_flags(hs, api):
    email = api("GET", f"{PROPS}/email").json()
    assert (email["type"], email["fieldType"]) == ("string", "text")
    assert email["modificationMetadata"]["readOnlyValue"] is False and not email["calculated"]
    visits = api("GET", "/crm/v3/properties/contacts/hs_analytics_num_visits").json()
    assert visits["calculated"] is True and visits["modificationMetadata"]["readOnlyValue"]
    missing = api("GET", f"{PROPS}/nps_score")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    names = {p["name"] for p in api("GET", PROPS).json()["results"]}
    assert {"email", "lastmodifieddate", "hs_merged_object_ids"} <= names


def test_creating_a_group_and_properties_then_duplicates_conflict(hs, api):
    _create_survey_properties(api)
    nps = api("GET", f"{PROPS}/nps_score").json()
    assert (nps["type"], nps["fieldType"], nps["groupName"]) == ("number", "number",
                                                                  "survey_platform")
    assert nps["hubspotDefined"] is False and nps["calculated"] is False
    again = api("POST", PROPS, json=NPS)
    assert again.status_code == 409 and again.json()["status"] == "error"
    group_again = api("POST", f"{PROPS}/groups", json={"name": "survey_platform",
                                                       "label": "Survey platform"})
    assert group_again.status_code == 409


def test_property_creation_rules(hs, api):
    bad_pair = api("POST", PROPS, json={**NPS, "name": "x_score", "fieldType": "text"})
    assert bad_pair.status_code == 400 and bad_pair.json()["category"] == "VALIDATION_ERROR"
    no_group = api("POST", PROPS, json={**NPS, "groupName": "nowhere"})
    assert no_group.status_code == 400
    missing = api("POST", PROPS, json={"name": "only_a_name"})
    assert missing.status_code == 400 and "label is required" in missing.json()["message"]


def test_schema_write_scope_is_needed_to_create_properties(hs):
    from tests.hubspot.conftest import Api, exchange, get_code

    hs.state.configure(required_scopes=["oauth", "crm.objects.contacts.read"])
    narrow = Api(hs, exchange(hs, get_code(hs, scope="oauth crm.objects.contacts.read"))
                 .json()["access_token"])
    assert narrow("GET", f"{PROPS}/email").status_code == 200
    denied = narrow("POST", PROPS, json=NPS)
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.schemas.contacts.write"]


def test_batch_update_writes_values_bumps_modified_and_is_readable_back(hs, api):
    ids = _contacts(hs)
    _create_survey_properties(api)
    before = api("GET", f"/crm/v3/objects/contacts/{ids[0]}").json()["updatedAt"]
    hs.state.clock.advance(5)
    resp = api("POST", BATCH, json={"inputs": [
        {"id": ids[0], "properties": {"nps_score": "9", "last_survey_date": "2026-11-30"}},
        {"id": ids[1], "properties": {"csat_score": "4.5",
                                      "last_survey_date": "1430438400000"}}]})
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "COMPLETE" and len(body["results"]) == 2
    assert body["results"][0]["properties"]["nps_score"] == "9"
    assert body["results"][0]["updatedAt"] != before
    written = control(hs, "GET", f"/contacts/{ids[0]}").json()["properties"]
    assert written["nps_score"] == "9" and written["last_survey_date"] == "2026-11-30"
    log = control(hs, "GET", "/writes").json()
    assert [(w["id"], w["properties"]) for w in log] == [
        (ids[0], {"nps_score": "9", "last_survey_date": "2026-11-30"}),
        (ids[1], {"csat_score": "4.5", "last_survey_date": "1430438400000"})]
    cleared = api("POST", BATCH, json={"inputs": [{"id": ids[0],
                                                   "properties": {"nps_score": ""}}]})
    assert cleared.status_code == 200
    assert "nps_score" not in control(hs, "GET", f"/contacts/{ids[0]}").json()["properties"]


def test_unknown_ids_get_207_and_the_others_are_written(hs, api):
    ids = _contacts(hs)
    _create_survey_properties(api)
    resp = api("POST", BATCH, json={"inputs": [
        {"id": ids[0], "properties": {"nps_score": "7"}},
        {"id": "12345", "objectWriteTraceId": "job-8812", "properties": {"nps_score": "3"}}]})
    assert resp.status_code == 207
    body = resp.json()
    assert [r["id"] for r in body["results"]] == [ids[0]]
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["12345"], "objectWriteTraceId": ["job-8812"]}
    assert control(hs, "GET", f"/contacts/{ids[0]}").json()["properties"]["nps_score"] == "7"


def test_one_bad_value_rejects_the_whole_batch_with_a_400(hs, api):
    ids = _contacts(hs)
    _create_survey_properties(api)
    cases = {
        "PROPERTY_DOESNT_EXIST": {"nps_scor": "9"},
        "READ_ONLY_VALUE": {"hs_analytics_num_visits": "3"},
        "INVALID_INTEGER": {"nps_score": "1,000"},
        "INVALID_DATE": {"last_survey_date": "2026-11-30T10:00:00Z"},
    }
    for code, props in cases.items():
        resp = api("POST", BATCH, json={"inputs": [
            {"id": ids[0], "properties": {"nps_score": "8"}},
            {"id": ids[1], "properties": props}]})
        assert resp.status_code == 400, code
        body = resp.json()
        assert body["category"] == "VALIDATION_ERROR" and body["errors"][0]["code"] == code
        assert body["message"].startswith("Property values were not valid: [")
        assert body["errors"][0]["context"]["propertyName"] == list(props)
    assert api("POST", BATCH, json={"inputs": [
        {"id": ids[1], "properties": {"last_survey_date": "1430438401000"}}]}).status_code == 400
    assert control(hs, "GET", "/writes").json() == []  # nothing of any rejected batch landed


def test_batch_limits_and_the_silent_no_op(hs, api):
    ids = _contacts(hs, 1)
    too_many = api("POST", BATCH, json={"inputs": [
        {"id": str(i), "properties": {"firstname": "x"}} for i in range(101)]})
    assert too_many.status_code == 400
    assert too_many.json()["category"] == "VALIDATION_ERROR"
    dupes = api("POST", BATCH, json={"inputs": [{"id": ids[0], "properties": {}}] * 2})
    assert dupes.status_code == 400
    no_wrapper = api("POST", BATCH, json={"id": ids[0], "properties": {"firstname": "x"}})
    assert no_wrapper.status_code == 200 and no_wrapper.json()["results"] == []
    assert control(hs, "GET", "/writes").json() == []


def test_a_merged_away_id_is_left_out_of_the_results(hs, api):
    ids = _contacts(hs)
    control(hs, "POST", "/contacts/merge", json={"primary": ids[0], "merged": [ids[1]]})
    resp = api("POST", BATCH, json={"inputs": [
        {"id": ids[1], "properties": {"firstname": "Old"}},
        {"id": ids[2], "properties": {"firstname": "New"}}]})
    assert resp.status_code == 200
    assert [r["id"] for r in resp.json()["results"]] == [ids[2]]


def test_patch_one_contact(hs, api):
    ids = _contacts(hs, 1)
    resp = api("PATCH", f"/crm/objects/2026-03/contacts/{ids[0]}",
               json={"properties": {"firstname": "Grace"}})
    assert resp.status_code == 200 and resp.json()["properties"]["firstname"] == "Grace"
    assert api("PATCH", "/crm/v3/objects/contacts/1", json={"properties": {}}).status_code == 404


def test_a_calculated_nps_score_can_be_planted_for_test_fields(hs, api):
    control(hs, "POST", "/properties", json={"name": "nps_score", "type": "number",
                                             "fieldType": "calculation_equation",
                                             "calculated": True, "readOnlyValue": True})
    nps = api("GET", f"{PROPS}/nps_score").json()
    assert nps["calculated"] is True and nps["modificationMetadata"]["readOnlyValue"] is True
