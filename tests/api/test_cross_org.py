"""Org A's key × org B's resources (404) and org B's host (401)."""

from __future__ import annotations

import pytest

from host.models import Contact
from plugins.sequences.models import Sending
from plugins.sequences.responses import record_response
from tests.api.conftest import error_of
from tests.sequences.factories import active_sequence

pytestmark = pytest.mark.usefixtures("generous_limits")


@pytest.fixture
def b_resources(org_b):
    with org_b:
        contact = Contact.objects.create(email="b@example.com", first_name="Bea")
        sequence = active_sequence()
        sending = Sending.objects.create(contact=contact, sequence=sequence, source="api",
                                         idempotency_key="b-1")
        response, _ = record_response(sending, 9)
    return {"contact": contact.pk, "sequence": sequence.pk, "response": response.pk}


def requests_for(ids):
    return [
        ("GET", f"/contacts/{ids['contact']}", None),
        ("PATCH", f"/contacts/{ids['contact']}", {"firstName": "Hacked"}),
        ("DELETE", f"/contacts/{ids['contact']}", None),
        ("GET", f"/sequences/{ids['sequence']}", None),
        ("POST", f"/sequences/{ids['sequence']}/execute", {"contacts": [{"email": "x@example.com"}]}),
        ("GET", f"/responses/{ids['response']}", None),
    ]


@pytest.mark.parametrize("host", ["public", "own"])
def test_org_a_key_cannot_reach_org_b_resources(public_api, api_a, key_a, b_resources, org_a,
                                                org_b, host):
    api = public_api if host == "public" else api_a
    for method, path, body in requests_for(b_resources):
        response = api.call(method, path, key=key_a, json=body)
        assert response.status_code == 404, (method, path, response.content)
        assert error_of(response)["code"] == "NOT_FOUND"
    for path in ("/contacts", "/sequences", "/responses"):
        assert api.get(path, key=key_a).json()["meta"]["total"] == 0
    with org_b:
        assert Contact.objects.get(pk=b_resources["contact"]).first_name == "Bea"
        assert Sending.objects.count() == 1
    with org_a:
        assert not Contact.objects.exists()


def test_org_a_key_on_org_b_host_is_401_for_every_endpoint(api_b, key_a, b_resources):
    for method, path, body in [*requests_for(b_resources), ("GET", "/contacts", None)]:
        response = api_b.call(method, path, key=key_a, json=body)
        assert response.status_code == 401, (method, path)
        assert error_of(response)["code"] == "INVALID_API_KEY"


def test_org_b_key_reaches_its_own_resources(public_api, api_b, key_b, b_resources):
    for api in (public_api, api_b):
        for method, path, _ in requests_for(b_resources):
            if method == "GET":
                assert api.get(path, key=key_b).status_code == 200, path
