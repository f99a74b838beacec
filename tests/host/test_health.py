"""``/healthz``: database and broker state; 503 naming what is down."""

from __future__ import annotations

import io
import time

import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from host import liveness
from tests.waiting import wait_for


def test_healthz_ok_on_org_and_public_hosts(client_a, public_client):
    for client in (client_a, public_client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_503_names_the_broker_when_redis_is_down(public_client):
    response = public_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["broker"].startswith("down")
    assert body["database"] == "ok"


def test_healthz_answers_on_any_host_without_tenant_routing(db):
    for host in ("localhost", "127.0.0.1", "web:8000", "unknown.example"):
        response = Client(HTTP_HOST=host).get("/healthz")
        assert response.status_code == 200, host
        assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    # Tenant routing is untouched for everything else.
    assert Client(HTTP_HOST="unknown.example").get("/accounts/login/").status_code == 404


@pytest.fixture
def heartbeat():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(liveness.BEAT_HEARTBEAT_KEY)
    yield client
    client.delete(liveness.BEAT_HEARTBEAT_KEY)


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_deep_check_reports_worker_and_beat_down_without_a_broker(public_client):
    body = public_client.get("/healthz?deep=1").json()
    assert set(body["failing"]) == {"broker", "worker", "beat"}


def test_deep_check_reports_a_missing_or_stale_beat_heartbeat(public_client, heartbeat,
                                                              celery_worker):
    body = public_client.get("/healthz?deep=1").json()
    assert body["worker"] == "ok" and body["beat"] == "down: no heartbeat"
    heartbeat.set(liveness.BEAT_HEARTBEAT_KEY, str(time.time() - 200))
    assert public_client.get("/healthz?deep=1").json()["beat"].startswith("down: heartbeat 2")
    with pytest.raises(CommandError, match="unhealthy: beat"):
        call_command("check_liveness", "--beat", stdout=io.StringIO())


def test_the_heartbeat_task_makes_beat_healthy(public_client, heartbeat, celery_worker):
    from host.tasks import beat_heartbeat

    beat_heartbeat.delay()  # what beat sends every minute, run by the real worker
    wait_for(lambda: heartbeat.get(liveness.BEAT_HEARTBEAT_KEY))
    response = public_client.get("/healthz?deep=1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok",
                               "beat": "ok"}
    for flag in ("--beat", "--worker"):
        out = io.StringIO()
        call_command("check_liveness", flag, stdout=out)
        assert '"ok"' in out.getvalue()


def test_check_liveness_web_asks_the_local_server(http_server, monkeypatch, django_db_blocker):
    monkeypatch.setenv("PORT", str(http_server.port))
    with django_db_blocker.unblock():  # the server thread's health check queries the database
        call_command("check_liveness", "--web", stdout=io.StringIO())
    monkeypatch.setenv("PORT", "1")
    with pytest.raises(CommandError, match="unhealthy: web"):
        call_command("check_liveness", "--web", stdout=io.StringIO())


def test_beat_schedules_the_heartbeat_every_minute():
    from host.celery_app import app

    app.finalize()
    entry = app.conf.beat_schedule["host.beat_heartbeat"]
    assert (entry["task"], entry["schedule"]) == ("host.beat_heartbeat", liveness.BEAT_INTERVAL)
