"""Redis stopped during a burst of webhooks: every event is stored and acknowledged at once, and
processed (one sending each) once Redis is back and the sweeper re-queues them. Uses a private
redis-server (stopped and restarted here) and a private worker on it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from devtools.devstack import redis_server_binary
from host.celery_app import app
from host.models import InboundEvent
from host.tasks import sweep_pending_events
from plugins.salesforce.webhooks.payloads import ACK
from tests.conftest import ROOT, database_url
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    envelope,
    live_fixture,
    wait_for,
    won,
)

BURST = 60
# Mirrors the settings change proposed for host/settings.py: fail fast when the broker is down
# (Celery's defaults block a request for ~20 s in the result backend's reconnect loop).
FAST_FAIL = {
    "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                  "interval_max": 0.2},
    "broker_transport_options": {"visibility_timeout": 3600, "socket_connect_timeout": 1,
                                 "socket_timeout": 2},
    "result_backend_transport_options": {"retry_policy": {"max_retries": 0}},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self):
        self.port, self.proc = _free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(  # noqa: S603 - our own binary, fixed argv
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        wait_for(self._alive, timeout=10)

    def _alive(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def _reset_clients():
    app._after_fork()  # drop pooled broker connections
    app._backend_cache = None
    app._local = threading.local()


@contextmanager
def celery_on(url: str):
    """Point this process's Celery app (the in-process server enqueues with it) at ``url``."""
    keys = ("broker_url", "result_backend", *FAST_FAIL)
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=url, result_backend=url, **FAST_FAIL)
    _reset_clients()
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_clients()


@contextmanager
def worker_on(url: str):
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": url}
    log = open(ROOT / ".dev" / f"test-outage-worker-{os.getpid()}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "celery", "-A", "host", "worker", "-l", "info", "--pool",
         "threads", "--concurrency", "4", "--without-gossip", "--without-mingle",
         "-n", f"outage-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: proc.poll() is None and app.control.ping(timeout=0.5), timeout=60)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_host_enqueue_survives_a_dead_broker(live, redis):
    from django.db import transaction

    from host.tasking import enqueue
    from host.tasks import process_event_task

    with celery_on(redis.url), live.org:
        redis.stop()
        with transaction.atomic():
            enqueue(process_event_task, 0)  # must not raise once the transaction commits


@pytest.fixture
def redis():
    server = Redis()
    server.start()
    yield server
    server.stop()


def test_redis_outage_loses_no_event(live, redis):
    deals = []
    for n in range(BURST):
        contact = live.sf.state.create("Contact", {"LastName": f"C{n}",
                                                   "Email": f"outage{n}@example.com"})["Id"]
        deals.append(live.sf.state.create("Opportunity", {
            "Name": f"Outage {n}", "StageName": "Closed Won", "CloseDate": "2026-12-01",
            "ContactId": contact})["Id"])

    def deliver(n):
        started = time.monotonic()
        response = live.post(envelope((f"04l5g0000{n:06d}AAA", won(deals[n]))), token=live.secret)
        return response.status_code, response.text, time.monotonic() - started

    with celery_on(redis.url):
        redis.stop()
        outage = time.monotonic()
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(deliver, range(BURST)))
        assert [(status, text) for status, text, _ in results] == [(200, ACK)] * BURST
        assert max(seconds for *_, seconds in results) < 3  # acknowledged without the broker
        events = live.events()
        assert len(events) == BURST and {e.status for e in events} == {"pending"}
        time.sleep(max(0.0, 3 - (time.monotonic() - outage)))
        redis.start()
        with live.org:  # as if the sweeper's STUCK_AFTER has passed
            InboundEvent.objects.update(received_at=timezone.now() - timedelta(minutes=3))
        with worker_on(redis.url):
            sweep_pending_events()  # what beat runs every minute
            events = live.settle(timeout=60)
    assert {e.status for e in events} == {"processed"}
    for deal in deals:
        assert len(live.sendings(deal)) == 1
