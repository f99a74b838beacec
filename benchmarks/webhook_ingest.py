"""Webhook ingest under gunicorn on loopback, next to a trivial one-INSERT view.

    .venv/bin/python -m benchmarks.webhook_ingest

Creates its own organization (dropped afterwards) in the benchmark database, starts gunicorn
(``WORKERS`` sync workers, ``benchmarks.webhook_settings``: the product plus the reference
route), and sends ``N`` Outbound Messages (one notification each, all distinct, so every request
stores one event and wakes its processing) from ``CONCURRENCY`` client threads over persistent
``http.client`` connections, then the same load to the reference view; ``ROUNDS`` such pairs.
The ratio is the median of the rounds' ratios: a pair runs back to back, so a neighbour's load
on a shared machine weighs on both sides of it alike. Targets: ingest ≥ 0.7 × the reference
rate, p99 ≤ 50 ms.

With the workers busy: run it beside the load benchmark (``python -m benchmarks.load``), with
its own Redis database so that the two never share a queue:

    BENCH_REDIS_URL=redis://127.0.0.1:6390/5 .venv/bin/python -m benchmarks.webhook_ingest
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

N, WARMUP = 2_000, 300
ROUNDS = int(os.environ.get("WEBHOOK_BENCH_ROUNDS", "5"))
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
    with org:  # connected to the Salesforce org the messages come from, with its own secret
        conn = get_connection("salesforce")
        conn.status, conn.external_account_id = conn.Status.CONNECTED, ORG_ID
        conn.save()
        secret = secrets.rotate(conn)
    host = org.get_primary_domain().domain
    connection.close()
    path, kind = f"{PATH}?token={secret}", "text/xml; charset=utf-8"
    rows = {}
    try:
        port = free_port()
        server = start_gunicorn(port)
        try:
            load(port, host, path, [envelope(n, "XW") for n in range(WARMUP)], kind)
            load(port, host, "/__bench__/insert", [b"warm"] * WARMUP, kind)
            for run in range(ROUNDS):  # pairs, back to back
                for name, target in (("webhook", path), ("reference", "/__bench__/insert")):
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
    setup_note = (f"(gunicorn {WORKERS} sync workers, {CONCURRENCY} client threads, "
                  f"{ROUNDS} rounds of {N:,} requests; medians)")
    ref = [median(column) for column in zip(*rows["reference"], strict=True)]
    hook = [median(column) for column in zip(*rows["webhook"], strict=True)]
    report("reference one-INSERT view: requests/s", ref[0], "requests/s",
           note=f"{setup_note} p50 {ref[1]:.1f} ms, p99 {ref[2]:.1f} ms")
    report("webhook ingest: accepted events/s", hook[0], "events/s", note=f"p50 {hook[1]:.1f} ms")
    report("webhook ingest: p99", hook[2], "ms", target="<= 50 ms",
           note=f"worst round {max(r[2] for r in rows['webhook']):.1f} ms")
    ratios = [w[0] / r[0] for w, r in zip(rows["webhook"], rows["reference"], strict=True)]
    report("webhook ingest / reference", median(ratios), "x", target=">= 0.7 x",
           note="rounds: " + ", ".join(f"{x:.2f}" for x in ratios))
    print(f"events stored: {stored:,} (distinct Outbound Messages, one notification each)")


def _cleanup(org, table: str) -> None:
    import redis
    from django.conf import settings
    from django.db import connection

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    org.delete(force_drop=True)
    # The wake-ups it sent: no worker consumes them.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery", *settings.TASK_QUEUES)


if __name__ == "__main__":
    main()
