"""Webhook ingest under gunicorn on loopback, next to a trivial one-INSERT view.

    .venv/bin/python -m benchmarks.webhook_ingest

Creates its own organization (dropped afterwards) in the benchmark database, starts gunicorn
(``WORKERS`` sync workers, ``benchmarks.webhook_settings``: the product plus the reference
route), and sends ``N`` Outbound Messages (one notification each, all distinct, so every request
stores one event and enqueues its processing in Redis) from ``CONCURRENCY`` client threads over
persistent ``http.client`` connections. The same load then goes to the reference view.
Targets: ingest ≥ 0.7 × the reference rate, p99 ≤ 50 ms.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

from benchmarks.common import ROOT, free_port, median, percentile, report, setup

N, WARMUP = 3_000, 300
WORKERS = int(os.environ.get("WEBHOOK_BENCH_WORKERS", "2"))  # this host has few cores
CONCURRENCY = WORKERS  # closed loop at the servers' capacity: latency ≈ service time
PATH = "/api/v1/integrations/salesforce/webhook"


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.webhook_settings"}
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "gunicorn", "host.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(WORKERS), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited during startup") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start in 60 s")


def load(port: int, host: str, path: str, bodies: list[bytes], content_type: str):
    """Send every body once from CONCURRENCY threads; return (wall seconds, latencies, statuses)."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock, cursor = threading.Lock(), iter(range(len(bodies)))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes = [], []
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            started = time.perf_counter()
            conn.request("POST", path, body=bodies[index],
                         headers={"Host": f"{host}:{port}", "Content-Type": content_type})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            codes.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, statuses


ORG_ID = "00D5g000004bEnCEAU"


def envelope(n: int, tag: str, org_id: str = ORG_ID) -> bytes:
    nid = f"04l{tag}{n:010d}"[:15] + "AAA"  # 18-character ids, distinct per tag and n
    opp = f"006{tag}{n:010d}"[:15] + "AAA"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>04k5g00000OmSgAAAS</ActionId>"
        f'<SessionId xsi:nil="true"/><Notification><Id>{nid}</Id><sObject xsi:type="sf:Opportunity" '
        'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Amount>45000.0</sf:Amount><sf:Id>{opp}</sf:Id><sf:IsWon>true</sf:IsWon>"
        "<sf:Name>Bench deal</sf:Name><sf:StageName>Closed Won</sf:StageName></sObject>"
        "</Notification></notifications></soapenv:Body></soapenv:Envelope>").encode()


def main() -> None:
    setup()
    from django.db import connection

    from benchmarks.webhook_urls import TABLE
    from host.integrations import get_connection
    from host.models import InboundEvent
    from host.webhooks import secrets
    from tenants.services import create_organization

    org = create_organization(f"bench-wh-{uuid.uuid4().hex[:8]}", "Bench webhooks")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, body text)")
    with org:
        secret = secrets.rotate(get_connection("salesforce"))
    host = org.get_primary_domain().domain
    connection.close()
    path, kind = f"{PATH}?token={secret}", "text/xml; charset=utf-8"
    rows = {}
    try:
        port = free_port()
        server = start_gunicorn(port)
        try:
            load(port, host, path, [envelope(n, "X") for n in range(WARMUP)], kind)
            load(port, host, "/__bench__/insert", [b"warm"] * WARMUP, kind)
            # Interleaved, each twice, so drift on a shared machine hits both sides alike.
            for run, (name, target) in enumerate([
                    ("reference", "/__bench__/insert"), ("webhook", path),
                    ("reference", "/__bench__/insert"), ("webhook", path)]):
                bodies = [envelope(n, f"{name[0].upper()}{run}") for n in range(N)]
                rows.setdefault(name, []).append(_measure(port, host, target, bodies, kind))
        finally:
            server.terminate()
            server.wait(timeout=30)
        with org:
            stored = InboundEvent.objects.count()
        _report(rows, stored)
    finally:
        _cleanup(org, TABLE)


def _measure(port, host, target, bodies, kind) -> tuple[float, float, float]:
    wall, latencies, statuses = load(port, host, target, bodies, kind)
    bad = [s for s in statuses if s not in (200, 202)]
    if bad:
        raise RuntimeError(f"{target}: {len(bad)} requests failed, e.g. HTTP {bad[0]}")
    return len(bodies) / wall, median(latencies) * 1000, percentile(latencies, 99) * 1000


def _report(rows: dict, stored: int) -> None:
    best = {name: max(runs) for name, runs in rows.items()}  # the faster of the two runs
    setup_note = f"(gunicorn {WORKERS} sync workers, {CONCURRENCY} client threads, {N:,} requests)"
    reference, ref_p50, ref_p99 = best["reference"]
    report("reference one-INSERT view: requests/s", reference, "requests/s",
           note=f"{setup_note} p50 {ref_p50:.1f} ms, p99 {ref_p99:.1f} ms")
    rate, p50, p99 = best["webhook"]
    report("webhook ingest: accepted events/s", rate, "events/s", note=f"p50 {p50:.1f} ms")
    report("webhook ingest: p99", p99, "ms", target="<= 50 ms")
    report("webhook ingest / reference", rate / reference, "x", target=">= 0.7 x")
    print(f"events stored: {stored:,} (distinct Outbound Messages, one notification each)")


def _cleanup(org, table: str) -> None:
    import redis
    from django.conf import settings
    from django.db import connection

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    org.delete(force_drop=True)
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery")  # no worker consumes them


if __name__ == "__main__":
    main()
