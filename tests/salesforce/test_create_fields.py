"""Create missing fields: Tooling API create, demeterrr's permission set with read and edit,
assigned to the connected user, then Test Fields again; missing permissions named; re-runs safe."""

from __future__ import annotations

import pytest

from host.integrations import get_connection
from plugins.salesforce.field_check import forget_describe
from plugins.salesforce.field_setup import PERMISSION_SET, PERMISSION_SET_LABEL
from tests.salesforce.conftest import KEY, calls, connect, page_text

PAGE = "/settings/integrations/salesforce"
TEST, CREATE = PAGE + "/test-fields", PAGE + "/create-fields"
FORM = {"nps_field": "NPS_Score__c", "csat_field": "CSAT_Score__c",
        "date_field": "Last_Survey_Date__c"}


@pytest.fixture
def connected(sf, client_a, org_a):
    connect(client_a, org_a)
    with org_a:
        forget_describe(get_connection(KEY))
    return sf


def _own_set(sf):
    return [p for p in sf.state.setup.permission_sets.values() if p["Name"] == PERMISSION_SET]


def test_missing_fields_are_created_granted_and_tested_again(connected, client_a):
    sf = connected
    sf.state.setup.remove_field("NPS_Score__c")
    sf.state.setup.remove_field("Last_Survey_Date__c")
    tested = page_text(client_a.post(TEST, FORM))
    assert "NPS_Score__c does not exist on Contact" in tested
    assert 'id="sf-create-fields"' in tested and "Create missing fields" in tested

    done = page_text(client_a.post(CREATE, FORM))
    assert "Created NPS Score (NPS_Score__c), Number(2,0), on Contact." in done
    assert "Created Last Survey Date (Last_Survey_Date__c), Date, on Contact." in done
    assert f"Created the permission set “{PERMISSION_SET_LABEL}”." in done
    assert "Granted read and edit on NPS_Score__c, Last_Survey_Date__c" in done
    assert f"Assigned “{PERMISSION_SET_LABEL}” to admin@acme-demo.example." in done
    assert "does not exist" not in done and 'id="sf-create-fields"' not in done
    assert done.count('<tr class="ok">') == 3
    meta = sf.state.setup.custom_fields["nps_score__c"]["Metadata"]
    assert (meta["type"], meta["precision"], meta["scale"]) == ("Number", 2, 0)
    assert "demeterrr" in meta["description"] and "demeterrr" in meta["inlineHelpText"]
    assert calls(sf, "tooling_create") == 2

    again = page_text(client_a.post(CREATE, FORM))  # nothing left to do: nothing made twice
    assert "Created" not in again and len(_own_set(sf)) == 1
    assert calls(sf, "tooling_create") == 2


def test_an_unassigned_permission_set_is_found_and_assigned_again(connected, client_a):
    sf = connected
    sf.state.setup.remove_field("CSAT_Score__c")
    client_a.post(CREATE, FORM)
    sf.state.setup.unassign(PERMISSION_SET)
    tested = page_text(client_a.post(TEST, FORM))
    assert "CSAT_Score__c does not exist on Contact" in tested  # hidden = absent from describe
    done = page_text(client_a.post(CREATE, FORM))
    assert "CSAT_Score__c already exists on Contact" in done
    assert f"Found the permission set “{PERMISSION_SET_LABEL}”." in done
    assert f"Assigned “{PERMISSION_SET_LABEL}”" in done
    assert done.count('<tr class="ok">') == 3 and len(_own_set(sf)) == 1


@pytest.mark.parametrize(("permission", "words"), [
    ("CustomizeApplication", "lacks the Customize Application permission"),
    ("AssignPermissionSets", "lacks the Assign Permission Sets permission"),
])
def test_a_missing_permission_is_named_with_its_remedy(connected, client_a, permission, words):
    sf = connected
    sf.state.setup.remove_field("NPS_Score__c")
    sf.state.setup.user_permissions[permission] = False
    done = page_text(client_a.post(CREATE, FORM))
    assert words in done and "admin@acme-demo.example" in done
    assert "then click Create missing fields again" in done or "click Create missing fields" \
        in done
    assert "NPS_Score__c does not exist on Contact" in done  # still red, and said why
    sf.state.setup.user_permissions[permission] = True
    finished = page_text(client_a.post(CREATE, FORM))
    assert finished.count('<tr class="ok">') == 3
