"""1,000 deliveries of one notification at concurrency 50 → one event, one sending.

No bound on the wall-clock time: on a shared machine it measures the neighbours. Every delivery
must be answered (each request has a 30 s timeout) with the Ack, and exactly once processed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from plugins.salesforce.webhooks.payloads import ACK
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    PATH,
    XML,
    envelope,
    live_fixture,
    won,
)

DELIVERIES, CONCURRENCY = 1_000, 50


@pytest.mark.usefixtures("celery_worker")
def test_one_notification_delivered_1000_times_concurrently(live):
    contact = live.sf.state.create("Contact", {"LastName": "Once", "Email": "once@example.com"})
    opp = live.sf.state.create("Opportunity", {"Name": "Dup deal", "StageName": "Closed Won",
                                               "CloseDate": "2026-12-01",
                                               "ContactId": contact["Id"]})["Id"]
    body = envelope(("04l5g00000DUPEDAAA", won(opp)))
    url = f"http://127.0.0.1:{live.server.port}{PATH}?token={live.secret}"
    headers = {**XML, "Host": f"{live.host}:{live.server.port}"}
    local = threading.local()

    def deliver(_):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        response = session.post(url, data=body, headers=headers, timeout=30)
        return response.status_code, response.text

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(deliver, range(DELIVERIES)))
    assert len(results) == DELIVERIES
    assert {status for status, _ in results} == {200}
    assert all(text == ACK for _, text in results)
    [event] = live.settle()
    assert event.status == "processed" and event.attempts == 1
    assert len(live.sendings(opp)) == 1
