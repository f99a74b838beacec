"""Per-organization rate limits (all of an org's keys share them), counted in Redis.

Two fixed windows, a per-minute burst and a per-hour sustained limit. Limits come from the org's
``RateLimitSetting`` (profile + optional numbers), else ``API_V1_RATE_LIMIT_ORGANIZATION_OVERRIDES``
(keyed by org id or slug), else the default profile.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

from api.errors import ApiError

logger = logging.getLogger("api")

WINDOWS = (("minute", 60), ("hour", 3600))
WINDOW_LABELS = {"minute": "1 minute", "hour": "1 hour"}


@dataclass(frozen=True)
class Limits:
    per_minute: int
    per_hour: int


@dataclass(frozen=True)
class WindowState:
    window: str
    limit: int
    count: int
    reset_at: int  # Unix time when the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


@dataclass(frozen=True)
class RateState:
    windows: tuple[WindowState, ...]

    @property
    def binding(self) -> WindowState:
        """The window whose numbers the headers report: an exceeded one, else the tightest."""
        exceeded = [w for w in self.windows if w.exceeded]
        if exceeded:
            return max(exceeded, key=lambda w: w.reset_at)
        return min(self.windows, key=lambda w: (w.remaining, w.reset_at))

    def headers(self) -> dict[str, str]:
        w = self.binding
        return {"X-RateLimit-Limit": str(w.limit), "X-RateLimit-Remaining": str(w.remaining),
                "X-RateLimit-Reset": str(w.reset_at)}


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)


def _namespace() -> str:
    """Counters of different databases (dev, tests) never mix in a shared Redis."""
    return f"api:ratelimit:{settings.DATABASES['default']['NAME']}"


def limits_for(org) -> Limits:
    profiles = settings.API_V1_RATE_LIMIT_PROFILES
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    setting = getattr(org, "api_rate_limit", None)
    overrides = settings.API_V1_RATE_LIMIT_ORGANIZATION_OVERRIDES
    override = overrides.get(str(org.pk)) or overrides.get(org.slug) or {}
    profile_name = (setting.profile if setting else None) or override.get("profile") \
        or settings.API_V1_RATE_LIMIT_DEFAULT_PROFILE
    per_minute, per_hour = profiles.get(profile_name, profiles["starter"])
    if setting is not None:
        per_minute = setting.per_minute or per_minute
        per_hour = setting.per_hour or per_hour
    else:
        per_minute = int(override.get("perMinute") or per_minute)
        per_hour = int(override.get("perHour") or per_hour)
    return Limits(per_minute=per_minute, per_hour=per_hour)


def hit(org, now: float | None = None) -> RateState | None:
    """Count one request for ``org`` in both windows; raise 429 when a window is exceeded.

    Fails open (None, no headers) when Redis is unreachable: an outage of the counter store
    must not take the API down.
    """
    limits = limits_for(org)
    now = time.time() if now is None else now
    pipe = _client().pipeline(transaction=False)
    keys = []
    for name, length in WINDOWS:
        start = int(now // length) * length
        key = f"{_namespace()}:org:{org.pk}:{name}:{start}"
        keys.append((name, start + length))
        pipe.incr(key)
        pipe.expire(key, length + 5)  # (no NX: Redis 6 compatible; harmless for window keys)
    try:
        counts = pipe.execute()[0::2]
    except redis.RedisError:
        logger.warning("Rate-limit counters unavailable; request allowed", exc_info=True)
        return None
    state = RateState(tuple(
        WindowState(window=name, limit=limit, count=count, reset_at=reset)
        for (name, reset), count, limit in zip(keys, counts, (limits.per_minute, limits.per_hour),
                                               strict=True)
    ))
    binding = state.binding
    if binding.exceeded:
        retry_after = max(1, binding.reset_at - int(now))
        raise ApiError(429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded. Please try again later.",
                       {"retryAfter": retry_after, "limit": binding.limit,
                        "window": WINDOW_LABELS[binding.window]},
                       headers={"Retry-After": str(retry_after), **state.headers()})
    return state
