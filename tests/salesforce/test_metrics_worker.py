"""``/metrics`` after a real webhook, email and pushback (a real worker, Redis and the emulator):
counts made in the worker process are rendered by the web process."""

from __future__ import annotations

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from host import metrics
from host.models import PushbackItem
from plugins.sequences.models import Sending
from plugins.sequences.responses import record_response
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    envelope,
    live_fixture,
    wait_for,
    won,
)

pytestmark = pytest.mark.usefixtures("celery_worker")
TOKEN = "scrape-token-0123456789"  # noqa: S105 - a test value


def samples(text: str) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scraped: dict, name: str, **labels) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_count_a_webhook_an_email_and_a_pushback(live):
    from tests.salesforce.test_webhook_processing import _contact, _deal

    metrics.reset()
    contact = _contact(live.sf, "metrics.buyer@example.com")
    opp = _deal(live.sf, contact_id=contact)
    response = live.post(envelope(("04l5g00000ABMETAAA", won(opp, ContactId=contact))),
                         token=live.secret)
    assert response.status_code == 200, response.text
    assert live.settle()[-1].status == "processed"
    with live.org:
        wait_for(lambda: Sending.objects.filter(status=Sending.Status.SENT).exists())
        record_response(Sending.objects.get(), 9)
        wait_for(lambda: PushbackItem.objects.filter(status="written").exists())

    public = live.server
    from django.conf import settings

    assert public.request("GET", settings.PLATFORM_DOMAIN, "/metrics").status_code == 401
    wrong = public.request("GET", settings.PLATFORM_DOMAIN, "/metrics",
                           headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    sf = {"integration": "salesforce"}

    def scrape():
        response = public.request("GET", settings.PLATFORM_DOMAIN, "/metrics",
                                  headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        return samples(response.text)

    # The worker writes its counts once a second (METRICS_FLUSH_SECONDS): poll for them.
    wait_for(lambda: value(scrape(), "pushback_writes_total", status="written", **sf) == 1)
    scraped = scrape()
    assert value(scraped, "webhook_events_received_total", **sf) == 1
    assert value(scraped, "webhook_events_processed_total", **sf) == 1
    assert value(scraped, "enrollments_total", source="auto") == 1
    assert value(scraped, "emails_sent_total", step_kind="survey") == 1
    assert value(scraped, "pushback_writes_total", status="written", **sf) == 1
    assert value(scraped, "crm_api_calls_total", status_class="2xx", **sf) >= 2
    # Task durations come from the worker's Celery signals.
    assert value(scraped, "task_duration_seconds_count", task="host.process_new_events",
                 state="SUCCESS") >= 1
    assert value(scraped, "task_duration_seconds_bucket", task="host.process_new_events",
                 state="SUCCESS", le="+Inf") >= 1
    for queue in ("default", "sync", "delivery", "pushback"):  # every declared queue is reported
        assert ("celery_queue_depth", (("queue", queue),)) in scraped

    # Org hosts have no /metrics.
    assert public.request("GET", live.host, "/metrics",
                          headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
