"""The platform's Prometheus metrics, counted in Redis and rendered at scrape time (``/metrics``).

Why Redis and not prometheus_client's multiprocess mode: the counts come from several
processes on several machines (gunicorn workers, Celery workers in their own containers), and
``/metrics`` is served by one web process. Multiprocess mode only sums processes that share a
directory on one machine (and needs that directory wiped on every deploy); Redis is already
shared by every process. Each process adds its counts up in memory and writes them every
``METRICS_FLUSH_SECONDS`` (one pipeline of ``HINCRBYFLOAT``, from a daemon thread; also when
the process exits and before it renders ``/metrics``), so counting costs no Redis round trip on
the request or task that counts. Fire-and-forget: a Redis outage drops counts, never fails the
work, and a process killed with ``SIGKILL`` loses at most its last interval's counts. Queue
depth and the oldest task's age are read from the broker at scrape time.

Labels never name an organization (thousands of orgs would be thousands of series): logs and
Sentry carry the org; metrics carry the integration, status and reason.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.utils import floatToGoString

log = logging.getLogger(__name__)

DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
PUBLISHED_AT_HEADER = "published_at"  # set on every task message, read for the oldest task's age


@dataclass(frozen=True)
class Metric:
    name: str
    help: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...] | None = None  # a histogram when set


METRICS = {m.name: m for m in (
    Metric("webhook_events_received", "Inbound events stored (new, not duplicates).",
           ("integration",)),
    Metric("webhook_events_processed", "Inbound events that enrolled contacts.", ("integration",)),
    Metric("webhook_events_ignored", "Inbound events ignored, by reason.",
           ("integration", "reason")),
    Metric("webhook_events_failed", "Inbound events that failed for good.", ("integration",)),
    Metric("enrollments", "Contacts enrolled in a sequence, by trigger source.", ("source",)),
    Metric("emails_sent", "Survey emails sent, by step kind.", ("step_kind",)),
    Metric("emails_failed", "Survey email sending attempts that failed.", ("step_kind",)),
    Metric("pushback_writes", "Scores written back to the CRM, by outcome.",
           ("integration", "status")),
    Metric("sync_runs", "Finished sync runs, by status.", ("integration", "status")),
    Metric("sync_records", "Records handled by sync runs, by outcome.", ("integration", "outcome")),
    Metric("crm_api_calls", "HTTP calls to a CRM API, by status class.",
           ("integration", "status_class")),
    Metric("crm_api_rate_limited", "CRM API calls answered 429.", ("integration",)),
    Metric("task_duration_seconds", "Celery task run time.", ("task", "state"),
           buckets=DURATION_BUCKETS),
)}


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=1)


@cache
def _broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=0.5,
                                socket_timeout=1)


def _namespace() -> str:
    """Counts of different databases (dev, tests) never mix in a shared Redis."""
    return f"metrics:{settings.DATABASES['default']['NAME']}"


def _hash(name: str) -> str:
    return f"{_namespace()}:{name}"


def _label_values(metric: Metric, labels: dict) -> list[str]:
    if set(labels) != set(metric.labels):
        raise ValueError(f"{metric.name} takes labels {metric.labels}, got {sorted(labels)}")
    return [str(labels[name])[:80] for name in metric.labels]


def inc(name: str, amount: float = 1, **labels) -> None:
    """Add ``amount`` to a counter."""
    if not amount:
        return
    values = _label_values(METRICS[name], labels)
    _buffer.add([(_hash(name), json.dumps(values), amount)])


def observe(name: str, value: float, **labels) -> None:
    """Record one observation of a histogram."""
    metric = METRICS[name]
    values = _label_values(metric, labels)
    key = _hash(name)
    fields = [(key, json.dumps([*values, repr(bound)]), 1)
              for bound in metric.buckets if value <= bound]
    fields.append((key, json.dumps([*values, "+Inf"]), 1))
    fields.append((key, json.dumps([*values, "sum"]), value))
    _buffer.add(fields)


def flush() -> None:
    """Write this process's counts now."""
    _buffer.flush()


class _Buffer:
    """This process's counts since the last write, written by a daemon thread every
    ``METRICS_FLUSH_SECONDS`` (0: on every count, no thread). A forked child starts empty."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # guards ``counts``
        self.writing = threading.Lock()  # one write (or reset) at a time
        self.counts: dict[tuple[str, str], float] = defaultdict(float)
        self.writer: threading.Thread | None = None

    def add(self, fields: list[tuple[str, str, float]]) -> None:
        with self.lock:
            for key, field, amount in fields:
                self.counts[key, field] += amount
        if _interval() <= 0:
            self.flush()
        elif self.writer is None:
            self._start()

    def flush(self) -> None:
        with self.writing:
            with self.lock:
                counts, self.counts = self.counts, defaultdict(float)
            if not counts:
                return
            pipe = _client().pipeline(transaction=False)
            for (key, field), amount in counts.items():
                pipe.hincrbyfloat(key, field, amount)
            try:
                pipe.execute()
            except redis.RedisError:
                log.debug("%d metric counts dropped: Redis unavailable", len(counts))

    def _start(self) -> None:
        with self.lock:
            if self.writer is not None:
                return
            self.writer = threading.Thread(target=self._run, name="metrics-writer", daemon=True)
            self.writer.start()

    def _run(self) -> None:
        written = time.monotonic()
        while True:  # short naps: a changed interval counts at once
            time.sleep(min(max(_interval(), 0.05), 0.5))
            if time.monotonic() - written < _interval():
                continue
            written = time.monotonic()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the writer must outlive any one failure
                log.exception("metrics writer: flush failed")

    def forget(self) -> None:
        """In a forked child: the parent's counts and writer are the parent's."""
        self.lock, self.writing = threading.Lock(), threading.Lock()
        self.counts = defaultdict(float)
        self.writer = None


def _interval() -> float:
    return settings.METRICS_FLUSH_SECONDS


_buffer = _Buffer()
os.register_at_fork(after_in_child=_buffer.forget)
atexit.register(_buffer.flush)


def reason_label(reason: str) -> str:
    """A bounded label from a free-text reason: the part before any detail (``: ...``)."""
    return (reason or "unknown").split(":", 1)[0].strip()[:60] or "unknown"


# --- scrape ---------------------------------------------------------------------------------------


def _queue_names() -> list[str]:
    from host.celery_app import app

    queues = app.conf.task_queues
    names = [q.name for q in queues] if queues else [app.conf.task_default_queue]
    return sorted(set(names))


def _queue_state(broker: redis.Redis, queue: str, now: float) -> tuple[int, float]:
    """Messages waiting in ``queue`` and the age of the oldest (kombu pushes left, pops right)."""
    depth = broker.llen(queue)
    if not depth:
        return 0, 0.0
    raw = broker.lindex(queue, -1)
    try:
        published = float(json.loads(raw)["headers"][PUBLISHED_AT_HEADER])
    except (TypeError, ValueError, KeyError):
        return depth, 0.0
    return depth, max(0.0, now - published)


class RedisCollector:
    def collect(self):
        try:
            stored = {name: _client().hgetall(_hash(name)) for name in METRICS}
        except redis.RedisError:
            stored = {}
        for name, metric in METRICS.items():
            rows = {tuple(json.loads(field)): float(value)
                    for field, value in stored.get(name, {}).items()}
            if metric.buckets is None:
                family = CounterMetricFamily(name, metric.help, labels=metric.labels)
                for values, total in sorted(rows.items()):
                    family.add_metric(list(values), total)
            else:
                family = HistogramMetricFamily(name, metric.help, labels=metric.labels)
                series = sorted({values[:-1] for values in rows})
                for values in series:
                    buckets = [(floatToGoString(b), rows.get((*values, repr(b)), 0.0))
                               for b in metric.buckets]
                    buckets.append(("+Inf", rows.get((*values, "+Inf"), 0.0)))
                    family.add_metric(list(values), buckets, rows.get((*values, "sum"), 0.0))
            yield family
        depth = GaugeMetricFamily("celery_queue_depth", "Tasks waiting in a queue.",
                                  labels=["queue"])
        age = GaugeMetricFamily("celery_queue_oldest_task_age_seconds",
                                "Age of the oldest task waiting in a queue.", labels=["queue"])
        try:
            broker, now = _broker(), time.time()
            for queue in _queue_names():
                waiting, oldest = _queue_state(broker, queue, now)
                depth.add_metric([queue], waiting)
                age.add_metric([queue], oldest)
        except redis.RedisError:
            log.warning("queue depth unavailable: broker unreachable")
        yield depth
        yield age


def render() -> bytes:
    """The Prometheus text exposition of every platform metric."""
    flush()  # this process's own counts too
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RedisCollector())
    return generate_latest(registry)


def reset() -> None:
    """Forget every count (tests)."""
    with _buffer.writing:
        with _buffer.lock:
            _buffer.counts.clear()
        _client().delete(*(_hash(name) for name in METRICS))


# --- Celery signals -------------------------------------------------------------------------------

_started: dict[str, float] = {}


def _stamp_published_at(headers=None, **kwargs) -> None:
    if headers is not None:
        headers.setdefault(PUBLISHED_AT_HEADER, time.time())


def _task_started(task_id=None, **kwargs) -> None:
    _started[task_id] = time.monotonic()


def _task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    began = _started.pop(task_id, None)
    if began is not None and task is not None:
        observe("task_duration_seconds", time.monotonic() - began, task=task.name,
                state=state or "UNKNOWN")


def _flush_on_shutdown(**kwargs) -> None:
    flush()  # a prefork child may leave through os._exit, past atexit


def connect_celery_signals() -> None:
    from celery.signals import (
        before_task_publish,
        task_postrun,
        task_prerun,
        worker_process_shutdown,
    )

    before_task_publish.connect(_stamp_published_at, weak=False)
    task_prerun.connect(_task_started, weak=False)
    task_postrun.connect(_task_finished, weak=False)
    worker_process_shutdown.connect(_flush_on_shutdown, weak=False)
