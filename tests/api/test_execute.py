"""POST /sequences/:id/execute: the documented example, bad input, idempotency."""

from __future__ import annotations

import uuid

import pytest

from host.models import Contact
from plugins.sequences.models import Sending, Sequence
from tests.api.conftest import error_of
from tests.sequences.factories import active_sequence

pytestmark = pytest.mark.usefixtures("generous_limits")

DOCS_EXAMPLE = {"contacts": [
    {"email": "john.doe@example.com", "firstName": "John", "lastName": "Doe", "phone": "+15551234567"},
    {"email": "jane.smith@example.com", "firstName": "Jane", "lastName": "Smith"},
]}


@pytest.fixture
def sequence(org_a):
    with org_a:
        return active_sequence(name="Post-purchase NPS")


def execute(api, key, sequence_id, body=None, **kw):
    return api.post(f"/sequences/{sequence_id}/execute", key=key, json=body, **kw)


def nothing_written(org):
    with org:
        return not Contact.objects.exists() and not Sending.objects.exists()


def test_documented_example(public_api, org_a, key_a, sequence):
    response = execute(public_api, key_a, sequence.pk, DOCS_EXAMPLE)
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["sequenceId"] == str(sequence.pk) and data["sequenceName"] == "Post-purchase NPS"
    assert data["contactsProcessed"] == 2 and data["sendingsCreated"] == 2
    assert [r["email"] for r in data["results"]] == ["john.doe@example.com", "jane.smith@example.com"]
    assert {r["status"] for r in data["results"]} == {"queued"}
    with org_a:
        for result in data["results"]:
            contact = Contact.objects.get(pk=result["contactId"])
            assert contact.email == result["email"]
            sending = Sending.objects.get(pk=result["sendingId"])
            assert sending.source == "api" and sending.contact == contact
        assert Contact.objects.get(email="john.doe@example.com").phone == "+15551234567"


def test_existing_contacts_are_updated_and_skips_have_reasons(public_api, org_a, key_a, sequence):
    with org_a:
        Contact.objects.create(email="known@example.com", first_name="Old")
        Contact.objects.create(email="gone@example.com", unsubscribed=True)
    response = execute(public_api, key_a, sequence.pk, {"contacts": [
        {"email": "KNOWN@example.com", "firstName": "New", "customFields": {"tier": "gold"}},
        {"email": "gone@example.com"},
        {"email": "not-an-email"},
    ]})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert [(r["status"], r["reason"]) for r in data["results"]] == [
        ("queued", None), ("skipped", "unsubscribed"), ("skipped", "invalid_email")]
    assert data["contactsProcessed"] == 3 and data["sendingsCreated"] == 1
    with org_a:
        known = Contact.objects.get(email="known@example.com")
        assert known.first_name == "New" and known.custom_fields == {"tier": "gold"}


def test_all_unenrollable_is_refused_and_writes_nothing(public_api, org_a, key_a, sequence):
    with org_a:
        Contact.objects.create(email="gone@example.com", first_name="Old", unsubscribed=True)
    response = execute(public_api, key_a, sequence.pk, {"contacts": [
        {"email": "gone@example.com", "firstName": "Changed"}, {"email": "bad"}]})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert [r["reason"] for r in error["details"]["results"]] == ["unsubscribed", "invalid_email"]
    with org_a:
        assert Contact.objects.get(email="gone@example.com").first_name == "Old"
        assert not Sending.objects.exists()


@pytest.mark.parametrize("body", [
    {"contacts": []},
    {"contacts": [{"email": f"c{i}@example.com"} for i in range(101)]},
    {},
    {"contacts": "john@example.com"},
    {"contacts": [{"email": 42}]},
    {"contacts": [{"firstName": "No email"}]},
    {"contacts": [{"email": "a@example.com", "tags": "vip"}]},
    {"contacts": [{"email": "a@example.com", "customFields": []}]},
    {"contacts": [{"email": "a@example.com", "preferredLanguage": "de"}]},
    {"contacts": [{"email": "a@example.com", "nickname": "Al"}]},
    {"contacts": [{"email": "a@example.com"}], "priority": "high"},
    {"contacts": [{"email": "a@example.com"}], "locationId": "not-a-uuid"},
    [{"email": "a@example.com"}],
])
def test_bad_bodies_are_refused_and_write_nothing(public_api, org_a, key_a, sequence, body):
    response = execute(public_api, key_a, sequence.pk, body)
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR" and error["details"]
    assert nothing_written(org_a)


def test_malformed_json_and_huge_body(public_api, org_a, key_a, sequence, settings):
    response = public_api.post(f"/sequences/{sequence.pk}/execute", key=key_a,
                               body='{"contacts": [{"email": "a@example.com"}')
    assert response.status_code == 400 and error_of(response)["code"] == "VALIDATION_ERROR"
    settings.API_MAX_BODY_BYTES = 50_000
    big = {"contacts": [{"email": f"c{i}@example.com", "customFields": {"blob": "x" * 1000}}
                        for i in range(100)]}
    response = execute(public_api, key_a, sequence.pk, big)
    assert response.status_code == 413 and error_of(response)["code"] == "PAYLOAD_TOO_LARGE"
    assert nothing_written(org_a)


def test_one_hundred_contacts_are_accepted(public_api, org_a, key_a, sequence):
    body = {"contacts": [{"email": f"c{i}@example.com", "firstName": f"C{i}"} for i in range(100)]}
    data = execute(public_api, key_a, sequence.pk, body).json()["data"]
    assert data["contactsProcessed"] == 100 and data["sendingsCreated"] == 100


@pytest.mark.parametrize("status", ["draft", "paused", "archived"])
def test_inactive_sequence_is_a_400(public_api, org_a, key_a, sequence, status):
    with org_a:
        Sequence.objects.filter(pk=sequence.pk).update(status=status)
    response = execute(public_api, key_a, sequence.pk, DOCS_EXAMPLE)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR" and error["details"]["reason"] == "sequence_not_active"
    assert nothing_written(org_a)


def test_unknown_sequence_is_a_404(public_api, org_a, key_a):
    response = execute(public_api, key_a, uuid.uuid4(), DOCS_EXAMPLE)
    assert response.status_code == 404 and error_of(response)["code"] == "NOT_FOUND"
    assert nothing_written(org_a)


def test_idempotency_key_replays_the_first_response(public_api, org_a, key_a, sequence):
    headers = {"Idempotency-Key": "sf-opp-0061x00000ABC"}
    first = execute(public_api, key_a, sequence.pk, DOCS_EXAMPLE, headers=headers)
    assert first.status_code == 200
    retry = execute(public_api, key_a, sequence.pk, DOCS_EXAMPLE, headers=headers)
    assert retry.status_code == 200 and retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    with org_a:
        assert Sending.objects.count() == 2 and Contact.objects.count() == 2
    other_body = execute(public_api, key_a, sequence.pk, {"contacts": [{"email": "x@example.com"}]},
                         headers=headers)
    assert other_body.status_code == 422
    assert error_of(other_body)["code"] == "IDEMPOTENCY_KEY_REUSED"
    fresh = execute(public_api, key_a, sequence.pk, DOCS_EXAMPLE, headers={"Idempotency-Key": "k2"})
    assert fresh.json()["data"]["sendingsCreated"] == 2  # a new key is a new request
    with org_a:
        assert Sending.objects.count() == 4


def test_idempotency_keys_are_per_organization(public_api, org_a, org_b, key_a, key_b, sequence):
    with org_b:
        sequence_b = active_sequence()
    headers = {"Idempotency-Key": "same-key"}
    a = execute(public_api, key_a, sequence.pk, DOCS_EXAMPLE, headers=headers)
    b = execute(public_api, key_b, sequence_b.pk, DOCS_EXAMPLE, headers=headers)
    assert a.status_code == b.status_code == 200
    assert b.json()["data"]["sequenceId"] == str(sequence_b.pk)
    with org_b:
        assert Sending.objects.count() == 2


def test_a_refused_first_call_is_replayed_too(public_api, org_a, key_a, sequence):
    headers = {"Idempotency-Key": "bad-first"}
    first = execute(public_api, key_a, sequence.pk, {"contacts": []}, headers=headers)
    again = execute(public_api, key_a, sequence.pk, {"contacts": []}, headers=headers)
    assert first.status_code == again.status_code == 400 and first.json() == again.json()


def test_invalid_idempotency_key_header(public_api, org_a, key_a, sequence):
    response = execute(public_api, key_a, sequence.pk, DOCS_EXAMPLE,
                       headers={"Idempotency-Key": "x" * 256})
    assert response.status_code == 400 and "Idempotency-Key" in error_of(response)["details"]
    assert nothing_written(org_a)


def test_enrollment_runs_on_the_orgs_own_host_too(api_a, org_a, key_a, sequence, celery_eager):
    response = execute(api_a, key_a, sequence.pk, {"contacts": [{"email": "h@example.com"}]})
    assert response.json()["data"]["sendingsCreated"] == 1
    with org_a:
        assert Sending.objects.get().status in ("sent", "pending")


def test_body_location_applies_to_every_contact(public_api, org_a, key_a, sequence):
    location = uuid.uuid4()
    response = execute(public_api, key_a, sequence.pk, {**DOCS_EXAMPLE, "locationId": str(location)})
    assert response.status_code == 200, response.content
    with org_a:
        assert set(Contact.objects.values_list("location_id", flat=True)) == {location}
