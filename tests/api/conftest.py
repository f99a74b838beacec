"""API test helpers: keys, a JSON client per host, clean rate-limit counters."""

from __future__ import annotations

import json as jsonlib

import pytest
from django.conf import settings
from django.test import Client

from api import keys
from api.models import RateLimitSetting
from tests.conftest import host_of

ALL_SCOPES = ("contacts:*", "sequences:*", "responses:*")


@pytest.fixture(autouse=True)
def _clean_rate_limit_counters():
    from api import usage
    from api.ratelimit import _client, _namespace

    redis = _client()
    for name in [*redis.scan_iter(f"{_namespace()}:*"), *redis.scan_iter(f"{usage._namespace()}:*")]:
        redis.delete(name)


class Api:
    """A JSON client for one host: ``api.get("/contacts", key=...)`` → Django test response."""

    def __init__(self, host: str):
        self.client = Client(HTTP_HOST=host)

    def call(self, method: str, path: str, key: str | None = None, json=None, body=None,
             headers: dict | None = None, content_type="application/json"):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        if key is not None:
            extra["HTTP_X_API_KEY"] = key
        data = body if body is not None else (jsonlib.dumps(json) if json is not None else None)
        kwargs = {"content_type": content_type, "data": data} if data is not None else {}
        return getattr(self.client, method.lower())(f"/api/v1{path}", **kwargs, **extra)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def patch(self, path, **kw):
        return self.call("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def make_key(db):
    def make(org, scopes=ALL_SCOPES, **kwargs) -> str:
        return keys.create_key(org, kwargs.pop("name", "test key"), list(scopes), **kwargs).plaintext

    return make


@pytest.fixture
def key_a(org_a, make_key):
    return make_key(org_a)


@pytest.fixture
def key_b(org_b, make_key):
    return make_key(org_b)


@pytest.fixture
def public_api(db):
    return Api(settings.PLATFORM_DOMAIN)


@pytest.fixture
def api_a(org_a):
    return Api(host_of(org_a))


@pytest.fixture
def api_b(org_b):
    return Api(host_of(org_b))


@pytest.fixture
def generous_limits(org_a, org_b):
    """Rate limits far above what a test sends, so only rate-limit tests meet a 429."""
    for org in (org_a, org_b):
        RateLimitSetting.objects.update_or_create(
            organization=org, defaults={"per_minute": 100_000, "per_hour": 1_000_000})


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "details"} <= set(body["error"]), body
    return body["error"]

