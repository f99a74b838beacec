"""API key usage (``last_used_at``, ``request_count``) counted in Redis, written to the database
periodically.

Updating the key's row on every request makes that row a hot spot for a busy key (every request
of the key waits on the same row lock). Each request instead adds one to a per-org Redis hash;
the periodic ``api.flush_key_usage`` takes every org with counts (a Redis set) and writes each
org's keys with one UPDATE. The settings page is therefore up to ``API_KEY_USAGE_FLUSH_SECONDS``
behind. With Redis down, a request updates the row directly, as before: nothing is lost.
"""

from __future__ import annotations

import logging
import time
from functools import cache

import redis
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from api.models import ApiKey

logger = logging.getLogger("api")


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)


def _namespace() -> str:
    """Counters of different databases (dev, tests) never mix in a shared Redis."""
    return f"api:usage:{settings.DATABASES['default']['NAME']}"


def _dirty_key() -> str:
    return f"{_namespace()}:dirty"


def _org_keys(org_id: int) -> tuple[str, str]:
    base = f"{_namespace()}:org:{org_id}"
    return f"{base}:count", f"{base}:last"


def record(key: ApiKey, now: float | None = None) -> None:
    """Count one request of ``key``."""
    now = time.time() if now is None else now
    counts, last = _org_keys(key.organization_id)
    pipe = _client().pipeline(transaction=True)
    pipe.hincrby(counts, key.pk, 1)
    pipe.hset(last, key.pk, repr(now))
    pipe.sadd(_dirty_key(), key.organization_id)
    try:
        pipe.execute()
    except redis.RedisError:
        logger.warning("API key usage counters unavailable; writing the row directly",
                       exc_info=True)
        ApiKey.objects.filter(pk=key.pk).update(
            last_used_at=timezone.now(), request_count=F("request_count") + 1)


def _take(org_id: int) -> tuple[dict[bytes, bytes], dict[bytes, bytes]]:
    """Read and clear an org's counts atomically (requests counted meanwhile wait for the next
    flush)."""
    counts, last = _org_keys(org_id)
    pipe = _client().pipeline(transaction=True)
    pipe.hgetall(counts)
    pipe.hgetall(last)
    pipe.delete(counts, last)
    pipe.srem(_dirty_key(), org_id)
    got_counts, got_last, _, _ = pipe.execute()
    return got_counts, got_last


def _give_back(org_id: int, counts: dict[bytes, bytes], last: dict[bytes, bytes]) -> None:
    """The database write failed: return the counts to Redis so the next flush writes them."""
    count_key, last_key = _org_keys(org_id)
    pipe = _client().pipeline(transaction=True)
    for key_id, n in counts.items():
        pipe.hincrby(count_key, key_id, int(n))
    for key_id, at in last.items():
        pipe.hsetnx(last_key, key_id, at)  # a newer use recorded meanwhile wins
    pipe.sadd(_dirty_key(), org_id)
    pipe.execute()


def flush_org(org_id: int) -> int:
    """Write one org's pending usage with one UPDATE; return the number of keys updated."""
    counts, last = _take(org_id)
    if not counts:
        return 0
    rows = [(int(key_id), int(n), float(last.get(key_id, b"0") or 0))
            for key_id, n in counts.items()]
    values = ", ".join(["(%s, %s, to_timestamp(%s))"] * len(rows))
    params = [value for row in rows for value in row]
    table = ApiKey._meta.db_table
    # Only placeholders and the model's own table name are formatted in.
    sql = (f'UPDATE "public"."{table}" AS k SET request_count = k.request_count + v.n, '  # noqa: S608  # nosec B608
           "last_used_at = GREATEST(k.last_used_at, v.at) "
           f"FROM (VALUES {values}) AS v(id, n, at) "
           "WHERE k.id = v.id AND k.organization_id = %s")
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, org_id])
            return cursor.rowcount
    except Exception:
        _give_back(org_id, counts, last)
        raise


def flush_all() -> int:
    """Flush every org with pending usage (only those: the set names them); return keys
    updated."""
    updated = 0
    for org_id in sorted(int(o) for o in _client().smembers(_dirty_key())):
        updated += flush_org(org_id)
    return updated
