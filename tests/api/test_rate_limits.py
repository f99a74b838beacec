"""Rate limits per organization, counted in Redis, with the documented headers and 429."""

from __future__ import annotations

import time

from api.models import RateLimitSetting
from api.ratelimit import limits_for
from tests.api.conftest import error_of


def test_headers_on_every_response(public_api, key_a):
    first = public_api.get("/contacts", key=key_a)
    second = public_api.get("/nope", key=key_a)  # errors carry them too once the org is known
    assert first["X-RateLimit-Limit"] == "100"  # starter: 100/min is the tighter window
    assert int(first["X-RateLimit-Remaining"]) == 99
    assert int(first["X-RateLimit-Reset"]) > time.time()
    invalid = public_api.post("/sequences/00000000-0000-0000-0000-000000000000/execute",
                              key=key_a, json={})
    assert invalid.status_code == 400 and "X-RateLimit-Limit" in invalid
    assert second.status_code == 404  # the catch-all 404 needs no key: no headers there
    assert int(public_api.get("/contacts", key=key_a)["X-RateLimit-Remaining"]) == 97


def test_429_with_retry_after_and_shared_by_the_orgs_keys(public_api, org_a, org_b, make_key):
    RateLimitSetting.objects.create(organization=org_a, per_minute=3, per_hour=1000)
    one, two = make_key(org_a), make_key(org_a)
    assert [public_api.get("/contacts", key=k).status_code for k in (one, two, one)] == [200] * 3
    response = public_api.get("/contacts", key=two)
    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "RATE_LIMIT_EXCEEDED"
    assert error["message"] == "Rate limit exceeded. Please try again later."
    assert error["details"]["limit"] == 3 and error["details"]["window"] == "1 minute"
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60 and error["details"]["retryAfter"] == retry_after
    assert response["X-RateLimit-Remaining"] == "0" and response["X-RateLimit-Limit"] == "3"
    # another organization has its own pool
    assert public_api.get("/contacts", key=make_key(org_b)).status_code == 200


def test_hour_window(public_api, org_a, make_key):
    RateLimitSetting.objects.create(organization=org_a, per_minute=100, per_hour=2)
    key = make_key(org_a)
    assert public_api.get("/contacts", key=key).status_code == 200
    assert public_api.get("/contacts", key=key)["X-RateLimit-Limit"] == "2"
    response = public_api.get("/contacts", key=key)
    assert response.status_code == 429 and error_of(response)["details"]["window"] == "1 hour"


def test_limits_are_configurable(org_a, settings):
    assert limits_for(org_a).per_minute == 100 and limits_for(org_a).per_hour == 1000
    settings.API_V1_RATE_LIMIT_ORGANIZATION_OVERRIDES = {"org-a": {"profile": "pro"}}
    assert (limits_for(org_a).per_minute, limits_for(org_a).per_hour) == (250, 5000)
    settings.API_V1_RATE_LIMIT_ORGANIZATION_OVERRIDES = {str(org_a.pk): {"perMinute": 7}}
    assert (limits_for(org_a).per_minute, limits_for(org_a).per_hour) == (7, 1000)
    setting = RateLimitSetting.objects.create(organization=org_a, profile="enterprise")
    org_a.refresh_from_db()
    assert (limits_for(org_a).per_minute, limits_for(org_a).per_hour) == (1000, 25000)
    setting.per_hour = 30000
    setting.save()
    org_a.refresh_from_db()
    assert limits_for(org_a).per_hour == 30000
