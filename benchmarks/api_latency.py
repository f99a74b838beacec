"""API latency: execute with 100 contacts, and an authenticated GET (p50/p99).

    .venv/bin/python -m benchmarks.api_latency

Creates its own organization (dropped afterwards) in the benchmark database. Two measurements:
in-process (the full Django stack, middleware, PostgreSQL and Redis; no socket) and over real
HTTP to Django's threaded dev WSGI server on loopback, whose per-connection overhead is shown
by the unauthenticated ``GET /healthz`` baseline row.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

from benchmarks.common import percentile, report, setup

RUNS = {"execute": 60, "get": 300}


def serve():
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def execute_body(tag: str) -> dict:
    return {"contacts": [{"email": f"c{i}-{tag}@example.com", "firstName": f"C{i}"}
                         for i in range(100)]}


def in_process(client):
    def call(method, path, body=None):
        if body is None:
            return client.generic(method, path).status_code
        return client.generic(method, path, json.dumps(body), content_type="application/json"
                              ).status_code
    return call


def over_http(session, base):
    def call(method, path, body=None):
        return session.request(method, base + path, json=body, timeout=60).status_code
    return call


def sample(request, runs: int, warmup: int = 3) -> list[float]:
    """Milliseconds per request, after a few warm-up requests."""
    samples = []
    for run in range(runs + warmup):
        start = time.perf_counter()
        status = request()
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise RuntimeError(f"unexpected status {status}")
        if run >= warmup:
            samples.append(elapsed)
    return samples


def main() -> None:
    setup()
    import requests
    from django.test import Client

    from api.keys import create_key
    from api.models import RateLimitSetting
    from plugins.sequences.models import Sequence, Step, Survey
    from tenants.services import create_organization

    org = create_organization(f"bench-api-{uuid.uuid4().hex[:8]}", "Bench API")
    server = serve()
    try:
        RateLimitSetting.objects.create(organization=org, per_minute=1_000_000, per_hour=10_000_000)
        key = create_key(org, "bench", ["contacts:*", "sequences:*", "responses:*"]).plaintext
        with org:
            sequence = Sequence.objects.create(name="Bench")
            Step.objects.create(sequence=sequence, position=1, kind="survey", delay_hours=24,
                                survey=Survey.objects.get(kind="nps"))  # scheduled: no mail
            sequence.set_status("active")
        base = f"http://127.0.0.1:{server.server_port}"
        session = requests.Session()
        session.headers.update({"Host": f"localhost:{server.server_port}", "X-API-Key": key})
        client = Client(HTTP_HOST="localhost", HTTP_X_API_KEY=key)
        execute = f"/api/v1/sequences/{sequence.pk}/execute"
        rows = []
        for transport, call in (("in-process", in_process(client)), ("HTTP", over_http(session, base))):
            bodies = (execute_body(f"{transport}-{run}") for run in range(10_000))
            rows.append((f"{transport}: POST execute (100 contacts)",
                         sample(lambda c=call, b=bodies: c("POST", execute, next(b)), RUNS["execute"])))
            rows.append((f"{transport}: GET /contacts?limit=50",
                         sample(lambda c=call: c("GET", "/api/v1/contacts?limit=50"), RUNS["get"])))
        rows.append(("HTTP baseline: GET /healthz (no API)",
                     sample(lambda: over_http(session, base)("GET", "/healthz"), RUNS["get"])))
        print(f"\n{'request':<46} {'n':>5} {'p50 ms':>9} {'p99 ms':>9}")
        for label, values in rows:
            print(f"{label:<46} {len(values):>5} {percentile(values, 50):>9.1f} "
                  f"{percentile(values, 99):>9.1f}")
        print()
        for label, values in rows:
            report(f"api {label}: p50", percentile(values, 50), "ms")
            report(f"api {label}: p99", percentile(values, 99), "ms")
    finally:
        server.shutdown()
        server.server_close()
        from django.db import connection

        connection.set_schema_to_public()
        org.delete(force_drop=True)


if __name__ == "__main__":
    main()
