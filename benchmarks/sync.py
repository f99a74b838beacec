"""Contact sync from an emulator with 10,000 and 100,000 contacts, by REST pages and by one Bulk
API 2.0 job side by side; the manual queue at that size, and triggering 10,000 contacts from it.

    .venv/bin/python -m benchmarks.sync
    BENCH_SYNC_SIZES=100000,1000000 .venv/bin/python -m benchmarks.sync   # sizes to run

Each size and mode runs in a fresh child process (so its peak RSS is its own) against an emulator
in a separate process (seeded once per size). The reference: the same rows bulk-inserted straight
into the database. "Waiting for Salesforce" is the time the sync spends in Salesforce calls (the
emulator, sharing the CPU), including Bulk's poll waits.
"""

from __future__ import annotations

import math
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import uuid
from urllib.parse import parse_qs, urlsplit

from benchmarks.common import ROOT, free_port, report, setup

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SYNC_SIZES", "10000,100000").split(","))
MODES = ("rest", "bulk")


def _connect(org, base_url: str) -> None:
    """Our own OAuth code path against the emulator (auto-approve), then store the connection."""
    import requests

    from host.integrations import get_connection
    from plugins.salesforce import oauth

    url, verifier = oauth.authorization_url(base_url, "bench-state-" + uuid.uuid4().hex)
    redirect = requests.get(url, allow_redirects=False, timeout=30).headers["Location"]
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    token = oauth.exchange_code(base_url, code, verifier)
    result = oauth.connection_result(token, oauth.fetch_identity(token), base_url, "production")
    with org:
        get_connection("salesforce").store_result(result)


def _time_salesforce_calls() -> list[float]:
    """Measure how long the sync waits for Salesforce (here the emulator, sharing the CPU)."""
    from plugins.salesforce import bulk_sync
    from plugins.salesforce.client import SalesforceClient

    spent = [0.0]

    def timed(original):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start
        return call

    for name in ("query", "bulk_query", "bulk_job", "bulk_results", "bulk_delete"):
        setattr(SalesforceClient, name, timed(getattr(SalesforceClient, name)))
    bulk_sync.time.sleep = timed(bulk_sync.time.sleep)  # poll waits are Salesforce's time too
    return spent


def _bulk_reference(n: int) -> float:
    """The same number of contacts + links inserted straight into the database."""
    from host.models import Contact, ExternalLink
    from tenants.services import create_organization

    org = create_organization(f"bench-ref-{uuid.uuid4().hex[:6]}", "Bench reference")
    try:
        with org:
            start = time.perf_counter()
            for offset in range(0, n, 2000):
                contacts = [Contact(email=f"ref{i}@example.com", first_name="Ref", last_name=str(i))
                            for i in range(offset, min(n, offset + 2000))]
                Contact.objects.bulk_create(contacts)
                ExternalLink.objects.bulk_create([
                    ExternalLink(contact=c, provider="salesforce", external_id=f"003R{i:014d}")
                    for i, c in enumerate(contacts, start=offset)])
            return time.perf_counter() - start
    finally:
        org.delete(force_drop=True)


def child(n: int, base_url: str, mode: str) -> None:
    setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from host.sync import execute_run, start_run
    from tenants.models import Membership
    from tenants.services import create_organization
    from tests.sequences.factories import active_sequence

    settings.SALESFORCE_LOGIN_URL = base_url
    settings.SALESFORCE_CLIENT_ID, settings.SALESFORCE_CLIENT_SECRET = (
        "demo-client-id", "demo-client-secret")
    settings.SALESFORCE_REDIRECT_URI = "http://localhost:8000/oauth/salesforce/callback"
    settings.SALESFORCE_BULK_THRESHOLD = 0 if mode == "bulk" else 10**9
    org = create_organization(f"bench-sync-{uuid.uuid4().hex[:6]}", "Bench sync",
                              owner_email=f"o{uuid.uuid4().hex[:6]}@bench.example",
                              owner_password="bench-password-123")
    try:
        _connect(org, base_url)
        waiting = _time_salesforce_calls()
        with org:
            start = time.perf_counter()
            run = execute_run(start_run("salesforce").pk)
            elapsed = time.perf_counter() - start
        assert run.status == "succeeded" and not run.error, run.error
        assert run.processed == n, run.processed
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        reference = _bulk_reference(n)
        label = f"{n:,} contacts by {'REST pages' if mode == 'rest' else 'Bulk API 2.0'}"
        report(f"sync {label}: wall time", elapsed, "s")
        report(f"sync {label}: throughput", n / elapsed, "contacts/s")
        report(f"sync {label}: API calls", run.api_calls, "calls",
               target=f"ceil(N/2000)+few = {math.ceil(n / 2000)}+2" if mode == "rest"
               else "<= 10")
        report(f"sync {label}: peak RSS of the syncing process", rss_mb, "MB",
               target="flat from 10k to 100k")
        report(f"sync {label}: speed vs bulk insert", reference / elapsed, "x", target=">= 0.5")
        own = elapsed - waiting[0]
        report(f"sync {label}: waiting for Salesforce (the emulator)", waiting[0], "s",
               note=f"({waiting[0] / elapsed:.0%} of the sync)")
        report(f"sync {label}: platform side only, speed vs bulk insert", reference / own, "x",
               note="(sync time minus the emulator's response time)")
        if mode == "bulk":
            return

        owner = Membership.objects.get(organization=org).user
        client = Client(HTTP_HOST=org.get_primary_domain().domain)
        client.force_login(owner)
        url = "/settings/integrations/salesforce/queue"
        client.get(url)
        timings = []
        for page in range(1, 21):
            with CaptureQueriesContext(connection) as queries:
                t = time.perf_counter()
                assert client.get(url, {"page": page * 7}).status_code == 200
                timings.append(time.perf_counter() - t)
        real = [q for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
        report(f"queue page at {label}: p50", statistics.median(timings) * 1000, "ms")
        report(f"queue page at {label}: queries per page", len(real), "queries",
               target="constant")
        if n == 10_000:
            with org:
                sequence = active_sequence(steps=(("survey", 0),))
            t = time.perf_counter()
            response = client.post(url, {"sequence": str(sequence.pk), "scope": "all"})
            took = time.perf_counter() - t
            assert response.status_code == 302
            with org:
                from plugins.sequences.models import Sending

                created = Sending.objects.count()
            report("trigger every match from the queue (10,000 contacts)", took, "s",
                   note=f"{created:,} sendings")
    finally:
        org.delete(force_drop=True)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    for n in SIZES:
        port = free_port()
        emulator = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "devtools.salesforce_emulator", "--port", str(port), "--seed",
             "demo", "--contacts", str(n), "--opportunities", "0", "--auto-approve", "--quiet",
             "--redirect-uri", "http://localhost:8000/oauth/salesforce/callback"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            for mode in MODES:
                result = subprocess.run(  # noqa: S603
                    [sys.executable, "-m", "benchmarks.sync", "--child", str(n),
                     f"http://127.0.0.1:{port}", mode], cwd=ROOT, env=os.environ.copy())
                if result.returncode:
                    sys.exit(result.returncode)
        finally:
            emulator.terminate()
            emulator.wait()


if __name__ == "__main__":
    main()
