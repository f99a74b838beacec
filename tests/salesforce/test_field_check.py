"""Field mapping and Test Fields on the Salesforce page, against the emulator's Contact describe."""

from __future__ import annotations

import pytest

from host.integrations import get_connection
from plugins.salesforce.client import SalesforceClient
from plugins.salesforce.field_check import (
    DEFAULT_MAPPING,
    describe_contact,
    forget_describe,
    mapping,
    valid_api_name,
)
from tests.salesforce.conftest import KEY, calls, connect, page_text

PAGE = "/settings/integrations/salesforce"
SAVE = PAGE + "/mapping"
TEST = PAGE + "/test-fields"


@pytest.fixture
def connected(sf, client_a, org_a):
    """Org A connected to the emulator; the describe cache starts empty."""
    connect(client_a, org_a)
    with org_a:
        forget_describe(get_connection(KEY))
    sf.state.calls.clear()
    return sf


def saved_mapping(org):
    with org:
        return get_connection(KEY).settings.get("field_mapping")


def form(nps="NPS_Score__c", csat="CSAT_Score__c", date="Last_Survey_Date__c", **extra):
    return {"nps_field": nps, "csat_field": csat, "date_field": date, **extra}


def test_page_shows_the_three_fields_with_their_defaults(connected, client_a):
    text = page_text(client_a.get(PAGE))
    for label, name in (("NPS score field", "NPS_Score__c"), ("CSAT score field", "CSAT_Score__c"),
                        ("Last survey date field", "Last_Survey_Date__c")):
        assert label in text
        assert f'value="{name}"' in text
    assert "Test Fields" in text and "Save mapping" in text


def test_test_fields_reports_missing_read_only_and_wrong_type_fields(connected, client_a, org_a):
    response = client_a.post(TEST, form(nps="Missing_Score__c", csat="Score_Formula__c",
                                        date="Survey_Notes__c"))
    assert response.status_code == 200
    text = page_text(response)
    assert "does not exist on Contact" in text
    assert "create a Number(3,0) field named Missing_Score__c" in text
    assert "The field is read-only: it is a formula" in text
    assert "Survey_Notes__c is a string field, not a date field" in text
    assert "create a Date field named Last_Survey_Date__c" in text
    assert calls(connected, "describe") == 1
    assert saved_mapping(org_a) is None  # testing saves nothing


def test_test_fields_passes_the_defaults_and_refreshes_the_describe_each_time(
        connected, client_a):
    for expected_calls in (1, 2):
        text = page_text(client_a.post(TEST, form()))
        assert text.count(">OK<") == 3
        assert calls(connected, "describe") == expected_calls


def test_a_field_the_user_cannot_edit_asks_for_edit_access(connected, client_a):
    # CreatedDate is a datetime (a compatible type) that no user may write, and not a formula.
    text = page_text(client_a.post(TEST, form(date="CreatedDate")))
    assert "CreatedDate is read-only for the connected user" in text
    assert "Give the integration user edit access to this field" in text


def test_saving_a_passing_mapping_stores_exact_api_names(connected, client_a, org_a):
    response = client_a.post(SAVE, form(nps="nps_score__c", csat=""))
    assert response.status_code == 302
    assert saved_mapping(org_a) == {"nps_field": "NPS_Score__c", "csat_field": "",
                                    "date_field": "Last_Survey_Date__c", "date_type": "date"}
    with org_a:
        assert mapping(get_connection(KEY))["csat_field"] == ""  # blank = skip
    assert "Field mapping saved." in page_text(client_a.get(PAGE))


def test_saving_a_failing_mapping_asks_for_confirmation(connected, client_a, org_a):
    response = client_a.post(SAVE, form(nps="Gone_Score__c"))
    text = page_text(response)
    assert response.status_code == 200
    assert "did not pass Test Fields" in text and "Save anyway" in text
    assert "create a Number(3,0) field named Gone_Score__c" in text
    assert saved_mapping(org_a) is None
    assert client_a.post(SAVE, form(nps="Gone_Score__c", confirm="1")).status_code == 302
    assert saved_mapping(org_a)["nps_field"] == "Gone_Score__c"


def test_saving_uses_the_cached_describe(connected, client_a):
    client_a.post(TEST, form())
    assert client_a.post(SAVE, form()).status_code == 302
    assert calls(connected, "describe") == 1


@pytest.mark.parametrize("bad", ["NPS Score", "1Score__c", "Score_", "Bad__Name__Here__c",
                                 "x;DROP TABLE", "Score__c__x", "A" * 81])
def test_an_invalid_api_name_is_a_form_error(connected, client_a, org_a, bad):
    response = client_a.post(SAVE, form(csat=bad))
    assert response.status_code == 400
    text = page_text(response)
    assert 'aria-invalid="true"' in text
    assert "is not a Salesforce API name" in text or "at most 80 characters" in text
    assert client_a.post(TEST, form(csat=bad)).status_code == 400
    assert saved_mapping(org_a) is None
    assert calls(connected, "describe") == 0


def test_one_field_for_two_scores_is_a_form_error(connected, client_a, org_a):
    response = client_a.post(SAVE, form(csat="nps_score__c"))
    assert response.status_code == 400
    assert "map each score to its own field" in page_text(response)


def test_api_names():
    for good in ("NPS_Score__c", "Email", "acme__Score__c", "X1__c"):
        assert valid_api_name(good), good
    for bad in ("", "_Score__c", "Score__x", "Sc ore", "Score__", "a__b__c__c"):
        assert not valid_api_name(bad), bad


def test_without_a_connection_the_mapping_saves_untested(sf, client_a, org_a):
    text = page_text(client_a.post(TEST, form()))
    assert "Connect Salesforce to test the fields." in text
    assert client_a.post(SAVE, form(date="")).status_code == 302
    assert saved_mapping(org_a)["date_field"] == ""
    assert "Run Test Fields to confirm" in page_text(client_a.get(PAGE))


def test_salesforce_unavailable_during_test_fields_is_a_message(connected, client_a):
    connected.state.add_fault("503", count=1)
    response = client_a.post(TEST, form())
    assert response.status_code == 200
    assert "Could not describe Contact in Salesforce" in page_text(response)


def test_only_signed_in_admins_change_the_mapping(connected, org_a):
    from django.test import Client

    from tests.conftest import host_of

    anonymous = Client(HTTP_HOST=host_of(org_a))
    assert anonymous.post(SAVE, form(nps="")).status_code == 302
    assert saved_mapping(org_a) is None


def test_describe_is_cached_per_connection(connected, org_a):
    with org_a:
        client = SalesforceClient(get_connection(KEY))
        first = describe_contact(client)
        assert describe_contact(client) == first
        assert calls(connected, "describe") == 1
        describe_contact(client, refresh=True)
        assert calls(connected, "describe") == 2
        assert first["nps_score__c"]["name"] == DEFAULT_MAPPING["nps_field"]
