"""Contacts: the documented requests and response shapes."""

from __future__ import annotations

import re
import uuid

import pytest

from host.models import Contact
from tests.api.conftest import error_of

pytestmark = pytest.mark.usefixtures("generous_limits")

CONTACT_FIELDS = ["id", "email", "firstName", "lastName", "phone", "title", "preferredLanguage",
                  "locationId", "contactOrganizationId", "customFields", "tags", "unsubscribed",
                  "unsubscribedAt", "createdAt", "updatedAt"]
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DOCS_CREATE = {  # the documented create example
    "email": "john.doe@example.com", "firstName": "John", "lastName": "Doe",
    "phone": "+15551234567", "title": "Mr.", "preferredLanguage": "en",
    "customFields": {"birthday": "1990-01-15", "membershipTier": "gold"}, "tags": ["vip", "newsletter"],
}


def test_create_returns_the_full_contact(public_api, org_a, key_a):
    response = public_api.post("/contacts", key=key_a, json=DOCS_CREATE)
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert list(data) == CONTACT_FIELDS
    assert data["email"] == "john.doe@example.com" and data["firstName"] == "John"
    assert data["customFields"] == DOCS_CREATE["customFields"] and data["tags"] == ["vip", "newsletter"]
    assert data["unsubscribed"] is False and data["unsubscribedAt"] is None
    assert data["locationId"] is None and data["contactOrganizationId"] is None
    assert ISO_MS.match(data["createdAt"]) and ISO_MS.match(data["updatedAt"])
    uuid.UUID(data["id"])
    with org_a:
        assert Contact.objects.get(pk=data["id"]).phone == "+15551234567"


def test_minimal_create_and_unset_fields(public_api, key_a):
    data = public_api.post("/contacts", key=key_a,
                           json={"email": "Ann@Example.com", "firstName": "Ann"}).json()["data"]
    assert data["email"] == "ann@example.com"
    assert data["lastName"] == "" and data["phone"] is None and data["title"] is None
    assert data["customFields"] == {} and data["tags"] == [] and data["preferredLanguage"] == "en"


def test_duplicate_email_is_a_409(public_api, org_a, key_a):
    first = public_api.post("/contacts", key=key_a, json=DOCS_CREATE).json()["data"]
    response = public_api.post("/contacts", key=key_a, json={**DOCS_CREATE, "email": "JOHN.DOE@example.com"})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "CONFLICT" and error["details"]["contactId"] == first["id"]
    with org_a:
        assert Contact.objects.count() == 1


def test_get_patch_merge_and_replace(public_api, org_a, key_a):
    created = public_api.post("/contacts", key=key_a, json=DOCS_CREATE).json()["data"]
    path = f"/contacts/{created['id']}"
    assert public_api.get(path, key=key_a).json()["data"] == created
    response = public_api.patch(path, key=key_a, json={  # the documented update example
        "firstName": "Jonathan", "tags": ["vip", "premium"],
        "customFields": {"membershipTier": "platinum", "lastPurchase": "2026-02-01"}})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert {"id", "email", "firstName", "lastName", "tags", "updatedAt"} <= set(data)
    assert data["firstName"] == "Jonathan" and data["lastName"] == "Doe"
    assert data["tags"] == ["vip", "premium"]  # replaced
    assert data["customFields"] == {"birthday": "1990-01-15", "membershipTier": "platinum",
                                    "lastPurchase": "2026-02-01"}  # merged
    assert data["updatedAt"] >= created["updatedAt"]


def test_patch_validation_and_email_conflict(public_api, key_a):
    a = public_api.post("/contacts", key=key_a, json={"email": "a@example.com", "firstName": "A"})
    public_api.post("/contacts", key=key_a, json={"email": "b@example.com", "firstName": "B"})
    path = f"/contacts/{a.json()['data']['id']}"
    assert public_api.patch(path, key=key_a, json={"email": "b@example.com"}).status_code == 409
    response = public_api.patch(path, key=key_a, json={"preferredLanguage": "de", "locationId": "x"})
    assert response.status_code == 400
    assert set(error_of(response)["details"]) == {"preferredLanguage", "locationId"}
    assert public_api.get(path, key=key_a).json()["data"]["email"] == "a@example.com"


def test_delete(public_api, org_a, key_a):
    created = public_api.post("/contacts", key=key_a, json=DOCS_CREATE).json()["data"]
    response = public_api.delete(f"/contacts/{created['id']}", key=key_a)
    assert response.status_code == 204 and response.content == b""
    assert public_api.get(f"/contacts/{created['id']}", key=key_a).status_code == 404
    assert public_api.delete(f"/contacts/{created['id']}", key=key_a).status_code == 404


def test_list_paging_and_filters(public_api, org_a, key_a):
    with org_a:
        for i in range(7):
            Contact.objects.create(email=f"p{i}@example.com", first_name=f"Pat{i}", last_name="Lee",
                                   phone=f"+1555000000{i}")
        Contact.objects.create(email="zed@example.com", first_name="Zed", last_name="Quill")
    body = public_api.get("/contacts?page=2&limit=3", key=key_a).json()
    assert body["meta"] == {"page": 2, "perPage": 3, "total": 8, "totalPages": 3}
    assert len(body["data"]) == 3 and list(body["data"][0]) == CONTACT_FIELDS
    default = public_api.get("/contacts", key=key_a).json()["meta"]
    assert default == {"page": 1, "perPage": 50, "total": 8, "totalPages": 1}
    beyond = public_api.get("/contacts?page=9", key=key_a).json()
    assert beyond["data"] == [] and beyond["meta"]["total"] == 8

    def emails(query):
        return [c["email"] for c in public_api.get(f"/contacts?{query}", key=key_a).json()["data"]]

    assert emails("email=P3@example.com") == ["p3@example.com"]
    assert emails("phone=%2B15550000005") == ["p5@example.com"]
    assert emails("search=quill") == ["zed@example.com"]
    assert emails("search=ZED") == ["zed@example.com"]
    assert emails(f"location_id={uuid.uuid4()}") == []


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "page=0", "page=abc", "limit=-5",
                                   "location_id=nope"])
def test_bad_paging_is_a_validation_error(public_api, key_a, query):
    response = public_api.get(f"/contacts?{query}", key=key_a)
    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_ERROR"


def test_location_and_contact_organization_are_stored_and_filterable(public_api, org_a, key_a):
    location, company = str(uuid.uuid4()), str(uuid.uuid4())
    created = public_api.post("/contacts", key=key_a, json={
        **DOCS_CREATE, "locationId": location, "contactOrganizationId": company}).json()["data"]
    assert (created["locationId"], created["contactOrganizationId"]) == (location, company)
    public_api.post("/contacts", key=key_a, json={"email": "other@example.com", "firstName": "O"})
    listed = public_api.get(f"/contacts?location_id={location}", key=key_a).json()
    assert [c["id"] for c in listed["data"]] == [created["id"]]
