"""API key usage is counted in Redis (the real one) and written with one UPDATE per org flush."""

from __future__ import annotations

from unittest import mock

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import keys, usage
from api.models import ApiKey
from api.tasks import flush_key_usage


def _key(plaintext: str) -> ApiKey:
    return ApiKey.objects.get(key_hash=keys.hash_key(plaintext))


def _updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


def test_requests_write_no_row_and_one_flush_writes_exact_counts(
        public_api, org_a, make_key, generous_limits):
    first, second = make_key(org_a, name="first"), make_key(org_a, name="second")
    with CaptureQueriesContext(connection) as during_requests:
        for _ in range(25):
            assert public_api.get("/contacts", key=first).status_code == 200
        for _ in range(7):
            public_api.get("/contacts", key=second)
    assert not [sql for sql in _updates(during_requests) if "api_apikey" in sql]
    assert _key(first).request_count == 0 and _key(first).last_used_at is None

    with CaptureQueriesContext(connection) as flushing:
        assert flush_key_usage() == 2  # keys updated
    assert len(_updates(flushing)) == 1  # both keys of the org in one statement
    assert (_key(first).request_count, _key(second).request_count) == (25, 7)
    assert _key(first).last_used_at is not None

    for _ in range(3):
        public_api.get("/contacts", key=first)
    with CaptureQueriesContext(connection) as again:
        flush_key_usage()
    assert len(_updates(again)) == 1
    assert _key(first).request_count == 28 and _key(second).request_count == 7
    with CaptureQueriesContext(connection) as idle:
        assert flush_key_usage() == 0  # no org has counts: no query at all
    assert not idle.captured_queries


def test_each_org_is_flushed_with_its_own_update(public_api, org_a, org_b, make_key,
                                                  generous_limits):
    key_a, key_b = make_key(org_a), make_key(org_b)
    public_api.get("/contacts", key=key_a)
    public_api.get("/contacts", key=key_b)
    public_api.get("/contacts", key=key_b)
    with CaptureQueriesContext(connection) as flushing:
        assert usage.flush_all() == 2
    updates = _updates(flushing)
    assert len(updates) == 2 and all("organization_id" in sql for sql in updates)
    assert (_key(key_a).request_count, _key(key_b).request_count) == (1, 2)


def test_a_failed_database_write_keeps_the_counts_for_the_next_flush(public_api, key_a, org_a):
    for _ in range(4):
        public_api.get("/contacts", key=key_a)
    with mock.patch.object(connection, "cursor", side_effect=RuntimeError("db down")), \
            pytest.raises(RuntimeError):
        usage.flush_org(org_a.pk)
    public_api.get("/contacts", key=key_a)
    usage.flush_all()
    assert _key(key_a).request_count == 5


def test_without_redis_the_row_is_written_directly(public_api, key_a):
    broken = mock.Mock()
    broken.pipeline.return_value.execute.side_effect = redis.ConnectionError("down")
    with mock.patch.object(usage, "_client", return_value=broken):
        assert public_api.get("/contacts", key=key_a).status_code == 200
    assert _key(key_a).request_count == 1  # nothing lost, nothing failed


def test_settings_page_says_usage_is_delayed(client_a, org_a):
    keys.create_key(org_a, "Reporting", ["responses:read"])
    html = client_a.get("/settings/api").content.decode()
    assert "updated every 1 minute" in html
