"""Stay under HubSpot's per-account rate limits across every worker (reference §5.1).

A rolling window per portal and bucket in Redis (one sorted set, updated atomically by a Lua
script), so the sync, the pushback and the trigger of one portal share one budget: 100 calls per
10 s for the API in general (HubSpot allows 110 to marketplace apps; the margin absorbs clock
skew), 4 per second for search (HubSpot: 5). If Redis is away, calls go out unthrottled and the
client's 429 backoff takes over.
"""

from __future__ import annotations

import time
import uuid

import redis
from django.conf import settings

BUCKETS = {"default": (100, 10.0), "search": (4, 1.0)}  # calls, window seconds

_SCRIPT = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1
"""
_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5,
                                       socket_timeout=1)
    return _client


def acquire(portal: str, bucket: str = "default", sleep=time.sleep) -> float:
    """Block until a call to ``portal`` in ``bucket`` fits the window; returns seconds waited."""
    limit, window = BUCKETS[bucket]
    key = f"hubspot:ratelimit:{portal}:{bucket}"
    waited = 0.0
    while True:
        try:
            wait_ms = int(_redis().eval(_SCRIPT, 1, key, int(time.time() * 1000),
                                        int(window * 1000), limit, uuid.uuid4().hex))
        except redis.RedisError:
            return waited
        if wait_ms <= 0:
            return waited
        sleep(wait_ms / 1000)
        waited += wait_ms / 1000
