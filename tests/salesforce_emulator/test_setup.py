"""Org setup in the emulator: Tooling CustomField create, permission sets and field-level
security enforced on describe, SOQL and writes, setup queries (one-row rule), Outbound Messages
and Flows."""
# ruff: noqa: S608 - SOQL strings built from test constants, not SQL

from .conftest import V

NPS = {"FullName": "Contact.NPS_Score__c",
       "Metadata": {"label": "NPS Score", "type": "Number", "precision": 2, "scale": 0}}


def _describe_names(api) -> dict:
    return {f["name"]: f for f in api("GET", f"{V}/sobjects/Contact/describe").json()["fields"]}


def _contact(sf) -> str:
    return sf.state.create("Contact", {"LastName": "Field"})["Id"]


def test_a_removed_field_is_gone_until_created_and_granted(sf, api):
    rid = _contact(sf)
    assert _describe_names(api)["NPS_Score__c"]["updateable"] is True
    sf.state.setup.remove_field("NPS_Score__c")
    assert "NPS_Score__c" not in _describe_names(api)
    assert api.query("SELECT NPS_Score__c FROM Contact").json()[0]["errorCode"] == "INVALID_FIELD"
    write = api("PATCH", f"{V}/sobjects/Contact/{rid}", json={"NPS_Score__c": 9})
    assert write.status_code == 400 and write.json()[0]["errorCode"] == "INVALID_FIELD"

    created = api("POST", f"{V}/tooling/sobjects/CustomField", json=NPS)
    assert created.status_code == 201 and created.json()["id"].startswith("00N")
    again = api("POST", f"{V}/tooling/sobjects/CustomField", json=NPS)
    assert again.json()[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"
    assert "NPS_Score__c" not in _describe_names(api)  # exists, but no field-level security yet
    found = api("GET", f"{V}/tooling/query", params={"q": "SELECT Id, DeveloperName FROM "
                "CustomField WHERE TableEnumOrId = 'Contact' AND DeveloperName = 'NPS_Score'"})
    assert found.json()["entityTypeName"] == "CustomField" and found.json()["size"] == 1

    pset = api("POST", f"{V}/sobjects/PermissionSet",
               json={"Name": "Demeterrr_Survey_Fields", "Label": "demeterrr survey fields"})
    assert pset.status_code == 201
    pid = pset.json()["id"]
    grant = {"ParentId": pid, "SobjectType": "Contact", "Field": "Contact.NPS_Score__c",
             "PermissionsRead": True, "PermissionsEdit": True}
    assert api("POST", f"{V}/sobjects/FieldPermissions", json=grant).status_code == 201
    assert "NPS_Score__c" not in _describe_names(api)  # not assigned yet
    assign = {"AssigneeId": sf.state.config.user_id, "PermissionSetId": pid}
    assert api("POST", f"{V}/sobjects/PermissionSetAssignment", json=assign).status_code == 201
    duplicate = api("POST", f"{V}/sobjects/PermissionSetAssignment", json=assign)
    assert duplicate.json()[0]["errorCode"] == "DUPLICATE_VALUE"
    assert _describe_names(api)["NPS_Score__c"]["updateable"] is True
    assert api("PATCH", f"{V}/sobjects/Contact/{rid}",
               json={"NPS_Score__c": 9}).status_code == 204
    rows = api.query(f"SELECT Id, PermissionSet.Name FROM PermissionSetAssignment WHERE "
                     f"PermissionSetId = '{pid}'").json()["records"]
    assert rows[0]["PermissionSet"]["Name"] == "Demeterrr_Survey_Fields"


def test_read_only_field_security_and_missing_permissions(sf, api):
    rid = _contact(sf)
    setup = sf.state.setup
    for row in setup.field_permissions.values():
        if row["Field"] == "Contact.CSAT_Score__c":
            row["PermissionsEdit"] = False
    assert _describe_names(api)["CSAT_Score__c"]["updateable"] is False
    write = api("PATCH", f"{V}/sobjects/Contact/{rid}", json={"CSAT_Score__c": 4})
    assert write.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    setup.user_permissions["CustomizeApplication"] = False
    refused = api("POST", f"{V}/tooling/sobjects/CustomField",
                  json={**NPS, "FullName": "Contact.Other__c"})
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    assert "Customize Application" in refused.json()[0]["message"]


def test_setup_queries_outbound_messages_and_flows(sf, api):
    sf.state.outbound.configure(endpoint_url="http://org.example/api/v1/integrations/"
                                "salesforce/webhook?token=abc")
    tq = api("GET", f"{V}/tooling/query", params={"q": "SELECT Id, Name FROM "
             "WorkflowOutboundMessage WHERE EntityDefinition.QualifiedApiName = 'Opportunity'"})
    (message,) = tq.json()["records"]
    one = api("GET", f"{V}/tooling/query", params={"q": "SELECT Id, Metadata FROM "
              f"WorkflowOutboundMessage WHERE Id = '{message['Id']}'"}).json()["records"][0]
    assert one["Metadata"]["endpointUrl"].endswith("webhook?token=abc")
    many = api("GET", f"{V}/tooling/query", params={"q": "SELECT Id, Metadata FROM CustomField"})
    assert many.status_code == 400 and many.json()[0]["errorCode"] == "MALFORMED_QUERY"
    flows = api.query("SELECT ApiName, IsActive, TriggerType, ActiveVersionId FROM "
                      "FlowDefinitionView WHERE TriggerObjectOrEventId = 'Opportunity'").json()
    assert flows["records"][0]["IsActive"] is True
    sf.state.setup.set_flow_active("Survey_on_Closed_Won", False)
    flows = api.query("SELECT ApiName, IsActive FROM FlowDefinitionView").json()["records"]
    assert flows[0]["IsActive"] is False
    assert api.query("SELECT Id, Email FROM Contact").status_code == 200  # others unchanged


def test_bulk_query_job_completes_after_polls_and_pages_by_locator(sf, api):
    import csv
    import io

    sf.state.bulk_create("Contact", [{"LastName": f'P "{i}"', "Title": "a\nb" if i == 1 else None}
                                     for i in range(5)])
    sf.state.bulk.in_progress_polls = 2
    job = api("POST", f"{V}/jobs/query", json={"operation": "queryAll", "query":
                                               "SELECT Id, LastName, Title, IsDeleted FROM "
                                               "Contact"}).json()
    assert job["state"] == "UploadComplete" and job["id"].startswith("750")
    early = api("GET", f"{V}/jobs/query/{job['id']}/results")
    assert early.status_code == 412
    states = [api("GET", f"{V}/jobs/query/{job['id']}").json()["state"] for _ in range(3)]
    assert states == ["InProgress", "InProgress", "JobComplete"]
    rows, locator = [], None
    while locator != "null":
        page = api("GET", f"{V}/jobs/query/{job['id']}/results",
                   params={"maxRecords": 2, **({"locator": locator} if locator else {})})
        assert page.headers["Content-Type"] == "text/csv"
        locator = page.headers["Sforce-Locator"]
        parsed = list(csv.reader(io.StringIO(page.text, newline="")))
        assert parsed[0] == ["Id", "LastName", "Title", "IsDeleted"]
        rows += parsed[1:]
    assert len(rows) == 5 and {r[3] for r in rows} == {"false"}
    assert ["a\nb"] == [r[2] for r in rows if r[2]] and 'P "1"' in {r[1] for r in rows}
    assert api("DELETE", f"{V}/jobs/query/{job['id']}").status_code == 204


def test_setup_and_bulk_control_endpoints(sf):
    import requests

    url = sf.url("/__emulator__/setup")
    state = requests.post(url, json={"action": "remove_field", "name": "CSAT_Score__c"},
                          timeout=5).json()
    assert "csat_score__c" in state["removed"]
    state = requests.post(url, json={"action": "set_flow_active", "name": "Survey_on_Closed_Won",
                                     "active": False}, timeout=5).json()
    assert state["flows"] == {"Survey_on_Closed_Won": False}
    bad = requests.post(url, json={"action": "explode"}, timeout=5)
    assert bad.status_code == 400
    bulk = requests.put(sf.url("/__emulator__/bulk"), json={"in_progress_polls": 3},
                        timeout=5).json()
    assert bulk["in_progress_polls"] == 3 and bulk["jobs"] == []
