"""Liveness of the processes around the web app: Celery workers (a ping) and beat (a heartbeat).

Beat's heartbeat is a timestamp in Redis, written when beat starts and then every minute by a
periodic task; older than ``BEAT_STALE_AFTER`` means beat (or every worker) is not running.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings

BEAT_HEARTBEAT_KEY = "platform:beat:heartbeat"
BEAT_INTERVAL = 60.0
BEAT_STALE_AFTER = 180.0


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1,
                                socket_timeout=1)


def write_beat_heartbeat() -> None:
    _redis().set(BEAT_HEARTBEAT_KEY, str(time.time()), ex=int(BEAT_STALE_AFTER * 10))


def check_beat() -> str:
    try:
        value = _redis().get(BEAT_HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001 - reported, never raised, by a health check
        return f"down: {type(exc).__name__}"
    if value is None:
        return "down: no heartbeat"
    age = time.time() - float(value)
    return "ok" if age <= BEAT_STALE_AFTER else f"down: heartbeat {int(age)} s old"


def check_worker(timeout: float = 1.0) -> str:
    from host.celery_app import app

    try:
        replies = app.control.ping(timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        return f"down: {type(exc).__name__}"
    return "ok" if replies else "down: no worker answered"
