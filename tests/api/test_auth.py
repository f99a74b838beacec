"""Authentication: the documented error matrix, both headers, org switching, usage tracking."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from api import keys, usage
from api.authentication import ApiKeyAuthentication
from api.errors import ApiError
from api.models import ApiKey
from tests.api.conftest import error_of

DOCS_EXAMPLE_KEY = "dem_xK3p9vL2mN8qR4tY6wZ1aC5eF7gH9jK0lM2nO4pQ6rS8t"


def test_generated_keys_have_the_documented_format_and_only_a_hash_is_stored(org_a):
    created = keys.create_key(org_a, "n", ["contacts:read"])
    assert created.plaintext.startswith("dem_") and len(created.plaintext) == 47
    stored = ApiKey.objects.get(pk=created.key.pk)
    assert stored.key_hash == keys.hash_key(created.plaintext) and len(stored.key_hash) == 64
    assert stored.prefix == created.plaintext[:12]
    row = ApiKey.objects.filter(pk=stored.pk).values().get()
    assert not any(created.plaintext in str(value) for value in row.values())


@pytest.mark.parametrize("headers, code, message", [
    ({}, "MISSING_API_KEY",
     "API key required. Provide via X-API-Key header or Authorization: Bearer <key>"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "MISSING_API_KEY", None),
    ({"Authorization": "Bearer "}, "MISSING_API_KEY", None),
    ({"X-API-Key": "sk_live_abcdef"}, "INVALID_API_KEY_FORMAT",
     "Invalid API key format. Key must start with 'dem_'"),
    ({"Authorization": "Bearer abc"}, "INVALID_API_KEY_FORMAT", None),
    ({"X-API-Key": DOCS_EXAMPLE_KEY}, "INVALID_API_KEY", "Invalid or inactive API key"),
    ({"X-API-Key": "dem_short"}, "INVALID_API_KEY", None),
    ({"Authorization": "Bearer " + keys.generate()}, "INVALID_API_KEY", None),
])
def test_authentication_errors(public_api, headers, code, message):
    response = public_api.get("/contacts", headers=headers)
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == code
    if message:
        assert error["message"] == message
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["X-API-Key", "Authorization"])
def test_both_documented_headers_authenticate(public_api, key_a, header, generous_limits):
    value = key_a if header == "X-API-Key" else f"Bearer {key_a}"
    response = public_api.get("/contacts", headers={header: value})
    assert response.status_code == 200, response.content
    assert response.json()["data"] == []


def test_expired_key(public_api, org_a, make_key):
    key = make_key(org_a, expires_in_days=1)
    ApiKey.objects.filter(key_hash=keys.hash_key(key)).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    response = public_api.get("/contacts", key=key)
    assert response.status_code == 401
    assert error_of(response) == {"code": "EXPIRED_API_KEY", "message": "API key has expired",
                                  "details": {}}


def test_revoked_and_deleted_keys_are_rejected_at_once(public_api, org_a, make_key):
    key = make_key(org_a)
    assert public_api.get("/contacts", key=key).status_code == 200
    ApiKey.objects.filter(key_hash=keys.hash_key(key)).update(is_active=False)
    response = public_api.get("/contacts", key=key)
    assert response.status_code == 401 and error_of(response)["code"] == "INVALID_API_KEY"
    ApiKey.objects.filter(key_hash=keys.hash_key(key)).delete()
    assert error_of(public_api.get("/contacts", key=key))["code"] == "INVALID_API_KEY"


def test_a_key_works_on_its_own_host_and_is_rejected_on_another_orgs_host(api_a, api_b, key_a):
    assert api_a.get("/contacts", key=key_a).status_code == 200
    response = api_b.get("/contacts", key=key_a)
    assert response.status_code == 401
    assert error_of(response)["code"] == "INVALID_API_KEY"


def test_public_host_works_in_the_keys_org_and_restores_the_public_schema(public_api, org_a, key_a):
    from django.db import connection

    from host.models import Contact

    with org_a:
        Contact.objects.create(email="in-a@example.com", first_name="A")
    response = public_api.get("/contacts", key=key_a)
    assert [c["email"] for c in response.json()["data"]] == ["in-a@example.com"]
    assert connection.schema_name == "public"


def test_usage_is_recorded(public_api, key_a):
    for _ in range(3):
        public_api.get("/contacts", key=key_a)
    public_api.get("/contacts", key=key_a + "x")  # not this key
    key = ApiKey.objects.get(key_hash=keys.hash_key(key_a))
    assert key.request_count == 0  # counted in Redis until the periodic flush (api/usage.py)
    usage.flush_all()
    key.refresh_from_db()
    assert key.request_count == 3
    assert timezone.now() - key.last_used_at < timedelta(minutes=1)


def test_ten_thousand_random_keys_are_all_rejected(org_a, make_key):
    real = make_key(org_a)
    auth = ApiKeyAuthentication()
    factory = RequestFactory()
    candidates = [keys.generate() for _ in range(9_900)]
    # near misses: the real key with one character changed
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for _ in range(100):
        pos = 4 + secrets.randbelow(43)
        char = secrets.choice(alphabet.replace(real[pos], ""))
        candidates.append(real[:pos] + char + real[pos + 1:])
    accepted = 0
    for candidate in candidates:
        request = factory.get("/api/v1/contacts", HTTP_X_API_KEY=candidate)
        try:
            auth.authenticate(request)
        except ApiError as exc:
            assert exc.code == "INVALID_API_KEY"
        else:
            accepted += 1
    assert accepted == 0  # speed is measured by benchmarks.api_latency, not by a timed test
    request = factory.get("/api/v1/contacts", HTTP_X_API_KEY=real)
    assert auth.authenticate(request)[1].organization == org_a


def test_keys_never_reach_the_logs(public_api, key_a, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    public_api.get("/nope", key=key_a)
    public_api.get("/contacts", key=key_a[:-1] + "A")
    public_api.post("/contacts", key=key_a, body="{not json")
    assert key_a not in caplog.text and key_a[:-1] not in caplog.text
