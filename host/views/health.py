"""``GET /healthz``: database and broker state as JSON; 503 when either is down.

``?deep=1`` adds worker and beat liveness (``host.liveness``). Served by
``host.middleware.HealthCheckMiddleware`` before tenant routing, so it answers on any host, and
says nothing but the state of each part.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from host import liveness


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"down: {type(exc).__name__}"


def check_broker() -> str:
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"down: {type(exc).__name__}"


def run_checks(deep: bool = False) -> dict[str, str]:
    checks = {"database": check_database(), "broker": check_broker()}
    if deep:
        # A worker is pinged through the broker: without it, there is no one to ask.
        broker_up = checks["broker"] == "ok"
        checks["worker"] = liveness.check_worker() if broker_up else "down: no broker"
        checks["beat"] = liveness.check_beat() if broker_up else "down: no broker"
    return checks


@require_safe
def healthz(request):
    checks = run_checks(deep=request.GET.get("deep") in ("1", "true"))
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    if not healthy:
        body["failing"] = [name for name, v in checks.items() if v != "ok"]
    return JsonResponse(body, status=200 if healthy else 503)
