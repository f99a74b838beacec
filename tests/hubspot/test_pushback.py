"""Scores into HubSpot contact properties, and the properties themselves (Test Fields, Create
missing properties), against the emulator (reference §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from host.contracts import ScoreUpdate
from host.integrations import get_connection
from plugins.hubspot.fields import GROUP
from plugins.hubspot.pushback import push
from tests.hubspot.conftest import control
from tests.hubspot.platform import connect, page_text


@pytest.fixture
def hs_connected(hs, client_a, org_a):
    connect(hs, client_a, org_a)
    return hs


def contact(hs, rid) -> dict:
    return control(hs, "GET", f"/contacts/{rid}").json()


def score(external_id, kind="nps", value=9, when=None):
    return ScoreUpdate(response_id=uuid4(), contact_id=uuid4(), external_id=str(external_id),
                       kind=kind, score=value, answered_at=when or datetime.now(UTC))


def batch_updates(hs) -> int:
    return sum(n for name, n in hs.state.counts()["by_endpoint"].items()
               if name.endswith("batch/update"))


def test_create_missing_properties_then_test_fields(hs_connected, client_a):
    page = page_text(client_a.post("/settings/integrations/hubspot/fields/test"))
    assert page.count("does not exist on contacts") == 3
    done = page_text(client_a.post("/settings/integrations/hubspot/fields/create", follow=True))
    assert "Created in HubSpot: nps_score, csat_score, last_survey_date." in done
    props = {p["name"]: p for p in control(hs_connected, "GET", "/properties").json()}
    assert props["nps_score"]["type"] == "number" and props["nps_score"]["groupName"] == GROUP["name"]
    assert props["last_survey_date"]["type"] == "date"
    page = page_text(client_a.post("/settings/integrations/hubspot/fields/test"))
    assert "OK (number)" in page and "OK (date)" in page and "does not exist" not in page
    again = page_text(client_a.post("/settings/integrations/hubspot/fields/create", follow=True))
    assert "Every mapped property already exists." in again


def test_test_fields_names_read_only_and_wrong_type_with_a_remedy(hs_connected, client_a):
    control(hs_connected, "POST", "/properties", json={"name": "nps_score", "type": "number",
                                                       "fieldType": "number", "calculated": True})
    control(hs_connected, "POST", "/properties", json={"name": "csat_score", "type": "string"})
    page = page_text(client_a.post("/settings/integrations/hubspot/fields/test"))
    assert "nps_score is read-only or calculated" in page and "Map a writable property" in page
    assert "csat_score is of type string, not number" in page


def test_scores_are_written_in_batches_of_100_newest_wins(hs_connected, org_a, client_a):
    client_a.post("/settings/integrations/hubspot/fields/create")
    seeded = hs_connected.state.seed("contacts", contacts=250)
    first = int(seeded["first_id"])
    yesterday = datetime.now(UTC) - timedelta(days=1)
    scores = [score(first + i) for i in range(250)] + [score(first, value=3, when=yesterday),
                                                       score(first, kind="csat", value=4)]
    hs_connected.state.clear_counts()
    with org_a:
        results = push(get_connection("hubspot"), scores)
    assert [r.status for r in results] == ["written"] * 252
    assert batch_updates(hs_connected) == 3
    props = contact(hs_connected, first)["properties"]
    assert props["nps_score"] == "9" and props["csat_score"] == "4"
    assert props["last_survey_date"] == datetime.now(UTC).date().isoformat()
    assert hs_connected.state.counts()["rate_limited_total"] == 0


def test_unknown_and_archived_contacts_fail_alone(hs_connected, org_a, client_a):
    client_a.post("/settings/integrations/hubspot/fields/create")
    seeded = hs_connected.state.seed("contacts", contacts=2)
    good, gone = seeded["first_id"], seeded["last_id"]
    control(hs_connected, "DELETE", f"/contacts/{gone}")
    with org_a:
        results = push(get_connection("hubspot"), [score(good), score(gone), score("12345")])
    assert [r.status for r in results] == ["written", "failed", "failed"]
    assert "not found" in results[1].error


def test_a_missing_property_fails_the_batch_with_the_way_out(hs_connected, org_a):
    seeded = hs_connected.state.seed("contacts", contacts=1)
    with org_a:
        [result] = push(get_connection("hubspot"), [score(seeded["first_id"])])
    assert result.status == "failed" and "Run Test Fields" in result.error
