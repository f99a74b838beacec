"""Fifty concurrent API calls after the access token expired cause exactly one refresh."""

from __future__ import annotations

import threading

from django.db import connection

from host.integrations import get_connection
from plugins.salesforce.client import SalesforceClient
from tests.salesforce.conftest import KEY, calls, connect, org_client, refreshes

THREADS = 50


def test_single_flight_refresh_under_concurrency(sf, committed_org):
    org = committed_org("sf")
    connect(org_client(org), org)
    sf.state.seed("demo", contacts=3, accounts=1, opportunities=1)
    with org:
        version = get_connection(KEY).credentials_version
    sf.state.expire_tokens()
    sf.state.configure(api_delay_seconds=0.05)  # keep the calls overlapping
    barrier = threading.Barrier(THREADS)
    results, failures = [], []

    def worker():
        try:
            with org:
                client = SalesforceClient(get_connection(KEY))  # every thread holds a stale token
                barrier.wait(timeout=30)
                results.append(len(client.query_all("SELECT Id FROM Contact")))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures[:3]
    assert results == [3] * THREADS
    assert refreshes(sf) == 1
    assert calls(sf, "query") == 2 * THREADS  # every thread got a 401 first, then succeeded
    with org:
        conn = get_connection(KEY)
        assert conn.credentials_version == version + 1
        assert conn.status == "connected"
