"""``/healthz``: database and broker state; 503 naming what is down."""

from __future__ import annotations

from django.test import override_settings


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
