"""HubSpot beside Salesforce: contact sync of 10,000 and 100,000 contacts by the search API, and
10,000 scores pushed back, against the HubSpot emulator in its own process.

    .venv/bin/python -m benchmarks.hubspot
    BENCH_HUBSPOT_SIZES=100000 .venv/bin/python -m benchmarks.hubspot

Each size runs in a fresh child process (its peak RSS is its own). Targets from issue 14: API
calls ≈ ⌈N/200⌉ + few with RSS flat from 10k to 100k; ≈ 100 batch calls for 10,000 scores; no
429 (the plugin keeps under 100 calls / 10 s and 4 searches / s per portal).
"""

from __future__ import annotations

import math
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from benchmarks.common import ROOT, free_port, report, setup

SIZES = tuple(int(n) for n in os.environ.get("BENCH_HUBSPOT_SIZES", "10000,100000").split(","))
SCORES = 10_000
REDIRECT = "http://localhost:8000/oauth/hubspot/callback"


def _calls(base_url: str) -> dict:
    import requests

    return requests.get(base_url + "/__emulator__/calls", timeout=30).json()


def _connect(org) -> None:
    """Our own OAuth code path against the emulator (auto-approve), then store the connection."""
    import requests

    from host.integrations import get_connection
    from plugins.hubspot import oauth

    redirect = requests.get(oauth.authorization_url("bench-" + uuid.uuid4().hex),
                            allow_redirects=False, timeout=30).headers["Location"]
    token = oauth.exchange_code(parse_qs(urlsplit(redirect).query)["code"][0])
    with org:
        get_connection("hubspot").store_result(oauth.connection_result(token))


def child(n: int, base_url: str) -> None:
    setup()
    from django.conf import settings

    from host import hooks
    from host import pushback as outbox
    from host.contracts import ScoreUpdate
    from host.integrations import get_connection, get_integration
    from host.models import ExternalLink, PushbackItem
    from host.sync import execute_run, start_run
    from tenants.services import create_organization

    settings.HUBSPOT_API_URL = settings.HUBSPOT_AUTH_URL = base_url
    settings.HUBSPOT_CLIENT_ID, settings.HUBSPOT_CLIENT_SECRET = (
        "demo-hubspot-client-id", "demo-hubspot-client-secret")
    settings.HUBSPOT_REDIRECT_URI = REDIRECT
    org = create_organization(f"bench-hs-{uuid.uuid4().hex[:6]}", "Bench HubSpot")
    try:
        _connect(org)
        before = _calls(base_url)["rate_limited_total"]
        with org:
            start = time.perf_counter()
            run = execute_run(start_run("hubspot").pk)
            elapsed = time.perf_counter() - start
        assert run.status == "succeeded" and not run.error, run.error
        assert run.processed == n, run.processed
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        label = f"HubSpot sync of {n:,} contacts"
        report(f"{label}: wall time", elapsed, "s")
        report(f"{label}: throughput", n / elapsed, "contacts/s",
               note="(search is limited to 5 requests/s per HubSpot account)")
        report(f"{label}: API calls", run.api_calls, "calls",
               target=f"ceil(N/200)+few = {math.ceil(n / 200)}+few")
        report(f"{label}: peak RSS of the syncing process", rss_mb, "MB",
               target="flat from 10k to 100k")
        report(f"{label}: 429 answers", _calls(base_url)["rate_limited_total"] - before, "answers",
               target="0")
        if n != max(SIZES):
            return
        with org:
            conn = get_connection("hubspot")
            plugin = hooks.integration("hubspot")
            chosen = outbox.mapping(conn, get_integration("hubspot").info.pushback)
            plugin.pushback_create_fields(connection=conn, mapping=chosen, checks=(
                plugin.pushback_check_fields(connection=conn, mapping=chosen, refresh=True)))
            ids = list(ExternalLink.objects.filter(provider="hubspot")
                       .values_list("external_id", "contact_id")[:SCORES])
            now = datetime.now(UTC)
            outbox.queue("hubspot", [
                ScoreUpdate(response_id=uuid.uuid4(), contact_id=cid, external_id=eid,
                            kind="nps", score=i % 11, answered_at=now)
                for i, (eid, cid) in enumerate(ids)])
            counts = _calls(base_url)
            start = time.perf_counter()
            queued = PushbackItem.objects.filter(provider="hubspot", status="queued")
            for _ in range(1000):  # the host's writer, as its Celery task runs it
                if not queued.exists():
                    break
                outbox.push_queued(conn)
            took = time.perf_counter() - start
            statuses = sorted(PushbackItem.objects.filter(provider="hubspot")
                              .values_list("status", flat=True).distinct())
        scores = ids
        after = _calls(base_url)
        writes = sum(v for k, v in after["by_endpoint"].items() if k.endswith("batch/update")) - \
            sum(v for k, v in counts["by_endpoint"].items() if k.endswith("batch/update"))
        assert statuses == ["written"], statuses
        report(f"HubSpot pushback of {len(scores):,} scores: wall time", took, "s")
        report(f"HubSpot pushback of {len(scores):,} scores: batch update calls", writes, "calls",
               target="~100")
        report(f"HubSpot pushback of {len(scores):,} scores: 429 answers",
               after["rate_limited_total"] - counts["rate_limited_total"], "answers", target="0")
    finally:
        org.delete(force_drop=True)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), sys.argv[3])
        return
    for n in SIZES:
        port = free_port()
        emulator = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "devtools.hubspot_emulator", "--port", str(port), "--seed",
             "demo", "--contacts", str(n), "--deals", "0", "--auto-approve", "--quiet",
             "--redirect-uri", REDIRECT],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            result = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "benchmarks.hubspot", "--child", str(n),
                 f"http://127.0.0.1:{port}"], cwd=ROOT, env=os.environ.copy())
            if result.returncode:
                sys.exit(result.returncode)
        finally:
            emulator.terminate()
            emulator.wait()


if __name__ == "__main__":
    main()
