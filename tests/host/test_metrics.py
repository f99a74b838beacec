"""Metrics counted in (the real) Redis and rendered in the Prometheus text format."""

from __future__ import annotations

import time
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from host import metrics
from host.tasks import beat_heartbeat


@pytest.fixture(autouse=True)
def _fresh_counts():
    metrics.reset()
    yield
    metrics.reset()


def scrape() -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(metrics.render().decode())
            for s in family.samples}


def test_counters_add_up_per_label_set():
    metrics.inc("emails_sent", step_kind="survey")
    metrics.inc("emails_sent", step_kind="survey")
    metrics.inc("emails_sent", step_kind="reminder")
    metrics.inc("enrollments", 5, source="api")
    scraped = scrape()
    assert scraped[("emails_sent_total", (("step_kind", "survey"),))] == 2
    assert scraped[("emails_sent_total", (("step_kind", "reminder"),))] == 1
    assert scraped[("enrollments_total", (("source", "api"),))] == 5


def test_histogram_buckets_are_cumulative():
    for seconds in (0.07, 0.3, 42.0):
        metrics.observe("task_duration_seconds", seconds, task="t", state="SUCCESS")
    scraped = scrape()
    labels = {"task": "t", "state": "SUCCESS"}

    def bucket(le):
        return scraped[("task_duration_seconds_bucket", tuple(sorted({**labels, "le": le}.items())))]

    assert (bucket("0.05"), bucket("0.1"), bucket("0.5"), bucket("60.0"), bucket("+Inf")) == \
        (0, 1, 2, 3, 3)
    assert scraped[("task_duration_seconds_count", tuple(sorted(labels.items())))] == 3
    assert scraped[("task_duration_seconds_sum", tuple(sorted(labels.items())))] == \
        pytest.approx(42.37)


def test_wrong_labels_are_a_programming_error():
    with pytest.raises(ValueError, match="takes labels"):
        metrics.inc("emails_sent", org="acme")


def test_a_redis_outage_never_fails_the_work():
    broken = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    with mock.patch.object(metrics, "_client", return_value=broken):
        metrics.inc("emails_sent", step_kind="survey")
        metrics.observe("task_duration_seconds", 1.0, task="t", state="SUCCESS")
        assert b"emails_sent" in metrics.render()


def test_reason_labels_are_bounded():
    assert metrics.reason_label("will retry: ConnectionError: 10.0.0.1 refused") == "will retry"
    assert metrics.reason_label("") == "unknown"
    assert len(metrics.reason_label("x" * 500)) == 60


def test_queue_depth_and_oldest_task_age_come_from_the_broker():
    queue = f"metrics-test-{time.time_ns()}"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        for _ in range(3):
            beat_heartbeat.apply_async(queue=queue)
        oldest = broker.lindex(queue, -1)
        assert b"published_at" in oldest
        time.sleep(1.1)
        with mock.patch.object(metrics, "_queue_names", return_value=[queue]):
            scraped = scrape()
        assert scraped[("celery_queue_depth", (("queue", queue),))] == 3
        assert 1.0 <= scraped[("celery_queue_oldest_task_age_seconds", (("queue", queue),))] < 30
    finally:
        broker.delete(queue)


def test_endpoint_is_open_without_a_token_and_refuses_a_wrong_one(public_client):
    metrics.inc("emails_sent", step_kind="survey")
    with override_settings(METRICS_TOKEN=""):
        response = public_client.get("/metrics")
        assert response.status_code == 200 and b"emails_sent_total" in response.content
        assert public_client.post("/metrics").status_code == 405
    with override_settings(METRICS_TOKEN="right-token"):
        assert public_client.get("/metrics", HTTP_AUTHORIZATION="Bearer right-tokeX").status_code \
            == 401
        assert public_client.get("/metrics", HTTP_AUTHORIZATION="right-token").status_code == 401
        assert public_client.get("/metrics",
                                 HTTP_AUTHORIZATION="Bearer right-token").status_code == 200


def test_org_hosts_have_no_metrics(client_a):
    assert client_a.get("/metrics").status_code == 404


def test_sync_runs_and_records_are_counted(client_a, org_a, celery_eager,
                                           django_capture_on_commit_callbacks):
    from host.models import Contact
    from tests.host.test_fake_crm_phases import KEY, REMOTE, _connect, _sync_now

    _connect(org_a, remote_contacts=REMOTE)
    with org_a:
        Contact.objects.create(email="ann@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        _sync_now(client_a)
    scraped = scrape()
    assert scraped[("sync_runs_total", (("integration", KEY), ("status", "succeeded")))] == 1
    assert scraped[("sync_records_total", (("integration", KEY), ("outcome", "created")))] == 4
    assert scraped[("sync_records_total", (("integration", KEY), ("outcome", "updated")))] == 1
    assert ("sync_records_total", (("integration", KEY), ("outcome", "deleted"))) not in scraped


def _stored(name: str) -> dict:
    return metrics._client().hgetall(metrics._hash(name))


@override_settings(METRICS_FLUSH_SECONDS=3600)
def test_counts_stay_in_the_process_until_written():
    for _ in range(3):
        metrics.inc("emails_sent", step_kind="survey")
    metrics.observe("task_duration_seconds", 0.2, task="t", state="SUCCESS")
    assert _stored("emails_sent") == {}  # no Redis round trip per count
    metrics.flush()
    assert _stored("emails_sent") == {b'["survey"]': b"3"}  # one write for the three
    assert float(_stored("task_duration_seconds")[b'["t", "SUCCESS", "sum"]']) == 0.2
    metrics.inc("emails_sent", step_kind="survey")
    assert scrape()[("emails_sent_total", (("step_kind", "survey"),))] == 4  # render writes first


@override_settings(METRICS_FLUSH_SECONDS=0.1)
def test_the_writer_thread_writes_without_being_asked():
    from tests.waiting import wait_for

    metrics.inc("emails_failed", step_kind="survey")
    wait_for(lambda: _stored("emails_failed") == {b'["survey"]': b"1"}, timeout=5)


@override_settings(METRICS_FLUSH_SECONDS=3600)
def test_a_forked_child_does_not_write_its_parents_counts():
    import multiprocessing

    metrics.inc("emails_sent", 5, step_kind="survey")
    child = multiprocessing.get_context("fork").Process(target=_count_one_and_flush)
    child.start()
    child.join(30)
    assert child.exitcode == 0
    metrics.flush()
    assert _stored("emails_sent") == {b'["survey"]': b"6"}  # 5 + the child's 1, not 5 + 6


def _count_one_and_flush() -> None:
    metrics.inc("emails_sent", step_kind="survey")
    metrics.flush()
