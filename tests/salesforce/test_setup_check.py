"""The Salesforce setup check: every line green for a set-up demo org, and the right red line
with its remedy after each thing the troubleshooting guide warns about."""

from __future__ import annotations

import re

import pytest

from host.integrations import get_connection
from host.links import org_base_url
from host.webhooks import secrets
from plugins.salesforce.field_check import forget_describe
from tests.salesforce.conftest import KEY, connect, page_text
from tests.sequences.factories import active_sequence

CHECK = "/settings/integrations/salesforce/setup-check"
CREATE = "/settings/integrations/salesforce/create-fields"
FORM = {"nps_field": "NPS_Score__c", "csat_field": "CSAT_Score__c",
        "date_field": "Last_Survey_Date__c"}


@pytest.fixture
def demo(sf, client_a, org_a):
    """Connected, trigger mode auto with a sequence, the Outbound Message sending to this org's
    webhook URL with the secret, the emulator's Flow active."""
    connect(client_a, org_a)
    with org_a:
        conn = get_connection(KEY)
        forget_describe(conn)
        sequence = active_sequence()
        conn.update_settings(lambda v: v.update(trigger_mode="auto",
                                                auto_sequence_id=str(sequence.pk)))
        secret = secrets.rotate(conn)
        url = org_base_url(org_a) + "/api/v1/integrations/salesforce/webhook"
    sf.state.outbound.configure(endpoint_url=f"{url}?token={secret}")
    return sf


def lines(client) -> dict[str, tuple[str, str]]:
    """``{check key: (status, text of the row)}``; several field rows join under "fields"."""
    text = page_text(client.post(CHECK))
    out: dict[str, tuple[str, str]] = {}
    for status, key, row in re.findall(r'<tr class="(\w+)" data-check="(\w+)">(.*?)</tr>', text,
                                       re.S):
        row = re.sub(r"<[^>]+>", " ", row)
        prev = out.get(key)
        worst = "problem" if "problem" in (status, prev and prev[0]) else status
        out[key] = (worst, ((prev[1] + " | ") if prev else "") + " ".join(row.split()))
    return out


def red(client) -> dict[str, str]:
    return {k: text for k, (status, text) in lines(client).items() if status == "problem"}


def test_the_demo_is_green_on_every_line(demo, client_a):
    result = lines(client_a)
    assert set(result) == {"connection", "budget", "fields", "permission_set",
                           "outbound_message", "flow", "trigger", "last_event"}
    assert red(client_a) == {}
    assert "Connected as admin@acme-demo.example" in result["connection"][1]
    assert "with the webhook secret" in result["outbound_message"][1]
    assert "is active and sends" in result["flow"][1]
    assert result["last_event"][0] == "info"


def test_a_removed_field_is_red_until_created_again(demo, client_a):
    demo.state.setup.remove_field("CSAT_Score__c")
    problems = red(client_a)
    assert set(problems) == {"fields", "permission_set"}
    assert "CSAT_Score__c does not exist on Contact" in problems["fields"]
    assert "Click Create missing fields" in problems["fields"]
    client_a.post(CREATE, FORM)
    assert red(client_a) == {}


def test_the_permission_set_unassigned_is_red(demo, client_a):
    demo.state.setup.remove_field("CSAT_Score__c")
    client_a.post(CREATE, FORM)
    demo.state.setup.unassign("Demeterrr_Survey_Fields")
    problems = red(client_a)
    assert "is not assigned to admin@acme-demo.example" in problems["permission_set"]
    assert "Manage Assignments" in problems["permission_set"]


def test_an_outbound_message_pointing_elsewhere_is_red(demo, client_a, org_a):
    demo.state.setup.set_endpoint("Survey_Closed_Won",
                                  "https://other-org.example.com/api/v1/integrations/salesforce/"
                                  "webhook?token=theirs")
    problems = red(client_a)
    assert "No Outbound Message sends to this organization" in problems["outbound_message"]
    assert "https://other-org.example.com/api/v1/integrations/salesforce/webhook?…" in \
        problems["outbound_message"]
    assert "theirs" not in problems["outbound_message"]
    assert "Outbound Message points here" in problems["flow"]


def test_a_wrong_secret_is_red_and_never_shown(demo, client_a, org_a):
    url = org_base_url(org_a) + "/api/v1/integrations/salesforce/webhook"
    demo.state.setup.set_endpoint("Survey_Closed_Won", f"{url}?token=stale-secret")
    problems = red(client_a)
    assert "without the current webhook secret" in problems["outbound_message"]
    assert "stale-secret" not in problems["outbound_message"]


def test_a_deactivated_flow_is_red(demo, client_a):
    demo.state.setup.set_flow_active("Survey_on_Closed_Won", False)
    problems = red(client_a)
    assert set(problems) == {"flow"}
    assert "is not active" in problems["flow"] and "Activate" in problems["flow"]


def test_trigger_mode_manual_is_red(demo, client_a, org_a):
    with org_a:
        get_connection(KEY).update_settings(lambda v: v.update(trigger_mode="manual"))
    problems = red(client_a)
    assert set(problems) == {"trigger"}
    assert "Closed Won webhook events are ignored" in problems["trigger"]
    assert "choose auto or both" in problems["trigger"]
