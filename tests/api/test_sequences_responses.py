"""Sequences and responses: list and get shapes."""

from __future__ import annotations

import re

import pytest

from host.models import Contact
from plugins.sequences.models import Sending, Survey
from plugins.sequences.responses import record_response
from tests.sequences.factories import active_sequence

pytestmark = pytest.mark.usefixtures("generous_limits")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_sequences_list_and_get(public_api, org_a, key_a):
    with org_a:
        sequence = active_sequence(name="Alpha")
        active_sequence(name="Beta")
    body = public_api.get("/sequences", key=key_a).json()
    assert body["meta"] == {"page": 1, "perPage": 50, "total": 2, "totalPages": 1}
    assert [s["name"] for s in body["data"]] == ["Alpha", "Beta"]
    data = public_api.get(f"/sequences/{sequence.pk}", key=key_a).json()["data"]
    assert data == body["data"][0]
    assert data["status"] == "active" and ISO_MS.match(data["createdAt"])
    assert [(s["position"], s["type"], s["delayHours"]) for s in data["steps"]] == [
        (1, "survey", 0), (2, "reminder", 72)]
    assert data["steps"][0]["surveyId"] and data["steps"][1]["surveyId"] is None


def test_responses_list_and_get(public_api, org_a, key_a):
    with org_a:
        contact = Contact.objects.create(email="r@example.com")
        nps = active_sequence()
        csat = active_sequence(survey=Survey.objects.get(kind="csat"))
        s1 = Sending.objects.create(contact=contact, sequence=nps, source="api", idempotency_key="1")
        s2 = Sending.objects.create(contact=contact, sequence=csat, source="api", idempotency_key="2")
        r1, _ = record_response(s1, 10, "Great")
        r2, _ = record_response(s2, 2)
    body = public_api.get("/responses?limit=1", key=key_a).json()
    assert body["meta"] == {"page": 1, "perPage": 1, "total": 2, "totalPages": 2}
    nps_data = public_api.get(f"/responses/{r1.pk}", key=key_a).json()["data"]
    assert nps_data == {
        "id": str(r1.pk), "surveyId": str(r1.survey_id), "surveyType": "nps",
        "contactId": str(contact.pk), "sequenceId": str(nps.pk), "sendingId": str(s1.pk),
        "score": 10, "npsScore": 10, "csatScore": None, "isPromoter": True, "comment": "Great",
        "createdAt": nps_data["createdAt"],
    }
    assert ISO_MS.match(nps_data["createdAt"])
    csat_data = public_api.get(f"/responses/{r2.pk}", key=key_a).json()["data"]
    assert (csat_data["surveyType"], csat_data["csatScore"], csat_data["npsScore"],
            csat_data["isPromoter"]) == ("csat", 2, None, None)
