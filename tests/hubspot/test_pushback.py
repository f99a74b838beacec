"""Scores into HubSpot contact properties through the host's outbox (``host.pushback``), and the
properties themselves (the host's field mapping section: Test Fields, Create missing
properties), against the emulator (reference §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from host import pushback as outbox
from host.contracts import ScoreUpdate
from host.integrations import get_connection
from host.models import PushbackItem
from plugins.hubspot.fields import GROUP
from tests.hubspot.conftest import control
from tests.hubspot.platform import connect, page_text

KEY = "hubspot"
PAGE = "/settings/integrations/hubspot"
MAPPING = {"nps_field": "nps_score", "csat_field": "csat_score", "date_field": "last_survey_date"}


@pytest.fixture
def hs_connected(hs, client_a, org_a):
    connect(hs, client_a, org_a)
    with org_a:
        outbox.unschedule(KEY)
        yield hs


def create_properties(client_a) -> str:
    return page_text(client_a.post(PAGE + "/create-fields", MAPPING))


def contact(hs, rid) -> dict:
    return control(hs, "GET", f"/contacts/{rid}").json()


def score(external_id, kind="nps", value=9, when=None):
    return ScoreUpdate(response_id=uuid4(), contact_id=uuid4(), external_id=str(external_id),
                       kind=kind, score=value, answered_at=when or datetime.now(UTC))


def push(org) -> dict:
    with org:
        return outbox.push_queued(get_connection(KEY))


def statuses(org, scores) -> list[str]:
    with org:
        found = dict(PushbackItem.objects.filter(response_id__in=[s.response_id for s in scores])
                     .values_list("response_id", "status"))
    return [found[s.response_id] for s in scores]


def batch_updates(hs) -> int:
    return sum(n for name, n in hs.state.counts()["by_endpoint"].items()
               if name.endswith("batch/update"))


def test_test_fields_then_create_missing_properties(hs_connected, client_a):
    page = page_text(client_a.post(PAGE + "/test-fields", MAPPING))
    assert page.count("does not exist on contacts") == 3
    assert "Create missing properties" in page  # offered: every problem is fixable
    done = create_properties(client_a)
    assert "Property group “Surveys (demeterrr)” created in HubSpot." in done
    assert "Property nps_score (number) created in HubSpot." in done
    assert done.count('class="ok"') == 3 + 4  # three fresh checks OK, four steps done
    props = {p["name"]: p for p in control(hs_connected, "GET", "/properties").json()}
    assert props["nps_score"]["type"] == "number" and props["nps_score"]["groupName"] == GROUP["name"]
    assert props["last_survey_date"]["type"] == "date"
    page = page_text(client_a.post(PAGE + "/test-fields", MAPPING))
    assert "<code>nps_score</code> (number)" in page and "does not exist" not in page


def test_test_fields_names_read_only_and_wrong_type_with_a_remedy(hs_connected, client_a):
    control(hs_connected, "POST", "/properties", json={"name": "nps_score", "type": "number",
                                                       "fieldType": "number", "calculated": True})
    control(hs_connected, "POST", "/properties", json={"name": "csat_score", "type": "string"})
    page = page_text(client_a.post(PAGE + "/test-fields", MAPPING))
    assert "nps_score is read-only or calculated" in page and "Map a writable property" in page
    assert "csat_score is of type string, not number" in page


def test_a_mapping_that_is_not_an_internal_name_is_a_form_error(hs_connected, client_a):
    response = client_a.post(PAGE + "/mapping", {**MAPPING, "nps_field": "NPS Score"})
    assert response.status_code == 400
    assert "Use a property&#x27;s internal name" in response.content.decode()


def test_the_outbox_writes_batches_of_100_newest_wins(hs_connected, org_a, client_a):
    create_properties(client_a)
    seeded = hs_connected.state.seed("contacts", contacts=250)
    first = int(seeded["first_id"])
    yesterday = datetime.now(UTC) - timedelta(days=1)
    scores = [score(first + i) for i in range(250)] + [score(first, value=3, when=yesterday),
                                                       score(first, kind="csat", value=4)]
    hs_connected.state.clear_counts()
    with org_a:
        outbox.queue(KEY, scores)
    assert push(org_a) == {"written": 251, "skipped": 1}  # yesterday's 3 is superseded
    assert batch_updates(hs_connected) == 3
    props = contact(hs_connected, first)["properties"]
    assert props["nps_score"] == "9" and props["csat_score"] == "4"
    assert props["last_survey_date"] == datetime.now(UTC).date().isoformat()
    assert hs_connected.state.counts()["rate_limited_total"] == 0


def test_unknown_and_archived_contacts_are_skipped_alone(hs_connected, org_a, client_a):
    create_properties(client_a)
    seeded = hs_connected.state.seed("contacts", contacts=2)
    good, gone = seeded["first_id"], seeded["last_id"]
    control(hs_connected, "DELETE", f"/contacts/{gone}")
    scores = [score(good), score(gone), score("12345")]
    with org_a:
        outbox.queue(KEY, scores)
    push(org_a)
    assert statuses(org_a, scores) == ["written", "skipped", "skipped"]
    with org_a:
        assert "not found" in PushbackItem.objects.get(response_id=scores[1].response_id).error


def test_a_missing_property_fails_with_the_way_out(hs_connected, org_a):
    seeded = hs_connected.state.seed("contacts", contacts=1)
    scores = [score(seeded["first_id"])]
    with org_a:
        outbox.queue(KEY, scores)
    push(org_a)
    assert statuses(org_a, scores) == ["failed"]
    with org_a:
        assert "Run Test Fields" in PushbackItem.objects.get().error


def test_hubspots_rate_limit_defers_the_queue(hs_connected, org_a, client_a):
    create_properties(client_a)
    seeded = hs_connected.state.seed("contacts", contacts=2)
    scores = [score(seeded["first_id"]), score(seeded["last_id"])]
    control(hs_connected, "POST", "/faults", json={"kind": "DAILY", "count": 1})
    with org_a:
        outbox.queue(KEY, scores)
    push(org_a)
    with org_a:
        items = list(PushbackItem.objects.all())
    assert {i.status for i in items} == {"queued"}
    now = datetime.now(UTC)
    assert all(i.attempts == 0 and i.error_code == "DAILY" for i in items)
    assert all(timedelta(minutes=59) < i.next_attempt_at - now <= timedelta(hours=1) for i in items)
    assert push(org_a) == {}  # not due yet
