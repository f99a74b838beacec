"""No error leaves the envelope: unknown paths, methods, bad bodies, huge bodies."""

from __future__ import annotations

import pytest

from host.models import Contact
from tests.api.conftest import error_of

pytestmark = pytest.mark.usefixtures("generous_limits")


def test_unknown_paths_get_a_json_404(public_api, api_a, key_a):
    for api in (public_api, api_a):
        for path in ("/nope", "/contacts/not-a-uuid", "/contacts/", "/sequences/1/execute"):
            response = api.get(path, key=key_a)
            assert response.status_code == 404, path
            assert error_of(response)["code"] == "NOT_FOUND"


def test_unsupported_methods_get_a_json_405(public_api, key_a):
    for method, path in [("PUT", "/contacts"), ("DELETE", "/contacts"), ("GET", "/sequences/"
                         "00000000-0000-0000-0000-000000000000/execute"), ("OPTIONS", "/contacts")]:
        response = public_api.call(method, path, key=key_a)
        assert response.status_code == 405, (method, path, response.content)
        assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("body, content_type, status, code", [
    ("{not json", "application/json", 400, "VALIDATION_ERROR"),
    ("[1, 2]", "application/json", 400, "VALIDATION_ERROR"),
    ('"text"', "application/json", 400, "VALIDATION_ERROR"),
    ("email=a@b.co", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ('{"email": "a\\u0000@example.com", "firstName": "A"}', "application/json", 400,
     "VALIDATION_ERROR"),
    ('{"email": "a@example.com", "firstName": "\\ud800"}', "application/json", 400,
     "VALIDATION_ERROR"),
    ('{"email": "a@example.com", "firstName": "A", "customFields": {"k": "\\u0000"}}',
     "application/json", 400, "VALIDATION_ERROR"),
    # Hostile nesting: once a RecursionError and a 500 (json's C decoder, then our own walk).
    ("[" * 50_000 + "]" * 50_000, "application/json", 400, "VALIDATION_ERROR"),
    ('{"a":' * 50_000 + "1" + "}" * 50_000, "application/json", 400, "VALIDATION_ERROR"),
    ('{"email": "a@example.com", "firstName": "A", "customFields": {"k": '
     + "[" * 900 + "]" * 900 + "}}", "application/json", 400, "VALIDATION_ERROR"),
])
def test_bad_bodies(public_api, org_a, key_a, body, content_type, status, code):
    response = public_api.post("/contacts", key=key_a, body=body, content_type=content_type)
    assert response.status_code == status, response.content
    assert error_of(response)["code"] == code
    with org_a:
        assert not Contact.objects.exists()


def test_unknown_fields_are_refused_with_details(public_api, org_a, key_a):
    response = public_api.post("/contacts", key=key_a, json={
        "email": "a@example.com", "firstName": "A", "first_name": "x", "admin": True})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"] == {"admin": ["Unknown field."], "first_name": ["Unknown field."]}
    with org_a:
        assert not Contact.objects.exists()


def test_huge_body_is_refused_before_parsing(public_api, org_a, key_a, settings):
    settings.API_MAX_BODY_BYTES = 10_000
    body = '{"email": "a@example.com", "firstName": "' + "x" * 20_000 + '"}'
    response = public_api.post("/contacts", key=key_a, body=body)
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "PAYLOAD_TOO_LARGE" and error["details"] == {"maxBytes": 10_000}
    with org_a:
        assert not Contact.objects.exists()


def test_validation_errors_list_fields(public_api, key_a):
    response = public_api.post("/contacts", key=key_a, json={"email": "nope", "tags": "x"})
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "VALIDATION_ERROR"
    assert set(error["details"]) == {"email", "firstName", "tags"}
    assert all(isinstance(v, list) and v for v in error["details"].values())


def test_an_unexpected_error_is_a_500_in_the_envelope(public_api, key_a, monkeypatch):
    from api.views import contacts

    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(contacts.pagination, "paginate", boom)
    response = public_api.get("/contacts", key=key_a)
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "INTERNAL_ERROR" and "fire" not in error["message"]
