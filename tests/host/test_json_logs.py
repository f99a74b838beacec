"""JSON log lines (``LOG_FORMAT=json``) with org, integration, task id and request id, in the web
app, a real worker, beat and gunicorn's access log; redaction applies to every one."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from logging.config import dictConfig

import pytest
import requests
from django.conf import settings
from django.test import Client

from host import log_context
from tests.conftest import ROOT, database_url, host_of
from tests.waiting import wait_for

FIELDS = {"time", "level", "logger", "message", "org", "integration", "task_id", "request_id"}


def json_handler(stream) -> logging.Handler:
    """The production console handler (settings.LOGGING with LOG_FORMAT=json) on ``stream``."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log_context.JsonFormatter())
    handler.addFilter(log_context.OrgContextFilter())
    handler.addFilter(log_context.RedactSecretsFilter())
    return handler


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_line_has_every_field_and_no_extras_and_redacted_tracebacks(in_org_a):
    stream = io.StringIO()
    logger = logging.getLogger("test.json")
    logger.addHandler(json_handler(stream))
    canary = "CANARY" + secrets.token_hex(8)
    try:
        with log_context.bind(integration="salesforce", task_id="t-1", request_id="r-1"):
            logger.warning("GET /s/%s?token=%s", canary, canary,
                           extra={"data": {"kwargs": {"secret": canary}}})
            try:
                raise ValueError(f"https://x.example/cb?code={canary}")
            except ValueError:
                logger.exception("failed")
        logger.warning("outside")
    finally:
        logger.handlers.clear()
    first, failure, outside = lines(stream.getvalue())
    assert set(first) == FIELDS and "data" not in first  # extra= never reaches the line
    assert (first["org"], first["integration"], first["task_id"], first["request_id"]) == \
        (in_org_a.schema_name, "salesforce", "t-1", "r-1")
    assert first["message"] == "GET /s/[redacted]?token=[redacted]"
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert "code=[redacted]" in failure["exc_info"]
    assert canary not in stream.getvalue()
    assert (outside["task_id"], outside["integration"]) == ("-", "-")


def test_the_settings_choose_the_format():
    from host import settings as platform_settings

    assert platform_settings.LOGGING["handlers"]["console"]["formatter"] == settings.LOG_FORMAT
    assert set(platform_settings.LOGGING["handlers"]["console"]["filters"]) == {"org", "redact"}
    handlers = settings.LOGGING["handlers"]
    config = {**settings.LOGGING, "handlers": {
        **handlers, "console": {**handlers["console"], "formatter": "json"}}}
    dictConfig(config)  # the json formatter is constructible from the settings
    try:
        handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
        assert isinstance(handler.formatter, log_context.JsonFormatter)
    finally:
        dictConfig(settings.LOGGING)


def test_requests_get_a_request_id_and_name_their_integration(org_a):
    stream = io.StringIO()
    root = logging.getLogger()
    handler = json_handler(stream)
    root.addHandler(handler)
    try:
        client = Client(HTTP_HOST=host_of(org_a))
        response = client.post("/api/v1/integrations/salesforce/webhook", data="not xml",
                               content_type="text/xml", HTTP_X_REQUEST_ID="abc-123")
        fresh = Client(HTTP_HOST=host_of(org_a)).get("/login", HTTP_X_REQUEST_ID="bad id\n!")
    finally:
        root.removeHandler(handler)
    assert response["X-Request-ID"] == "abc-123"
    assert len(fresh["X-Request-ID"]) == 32 and fresh["X-Request-ID"] != "abc-123"
    logged = [line for line in lines(stream.getvalue()) if line["request_id"] == "abc-123"]
    assert logged and all(line["integration"] == "salesforce" for line in logged)
    assert all(line["org"] == org_a.schema_name for line in logged)


# --- real processes --------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url(), "LOG_FORMAT": "json"}


def test_every_worker_and_beat_line_is_json_with_the_org(committed_org, tmp_path):
    """A worker of its own (a private queue, so no other test's worker takes the task)."""
    from host.celery_app import app
    from host.tasks import requeue_stuck_events_task

    org = committed_org("logs")
    queue = f"logs-{secrets.token_hex(4)}"
    node = f"logs-{os.getpid()}-{queue}@{socket.gethostname()}"
    err = tmp_path / "worker.err"
    with open(err, "w") as stderr, open(tmp_path / "worker.out", "w") as stdout:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "host", "worker", "-l", "info", "-Q", queue,
             "--pool", "threads", "--concurrency", "1", "--without-gossip", "--without-mingle",
             "-n", node],
            cwd=ROOT, env=_env(), stdout=stdout, stderr=stderr, start_new_session=True)
    try:
        wait_for(lambda: app.control.ping(destination=[node], timeout=0.5), timeout=60)
        with log_context.bind(request_id="req-from-web"):
            result = requeue_stuck_events_task.apply_async(
                queue=queue, headers={"_schema_name": org.schema_name})
        wait_for(lambda: f"{result.id}] succeeded" in err.read_text(), timeout=30)
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    logged = lines(err.read_text())  # every line parses, or this fails
    assert len(logged) >= 3 and all(FIELDS <= set(line) for line in logged)
    of_task = [line for line in logged if line["task_id"] == result.id]
    assert of_task and all(line["org"] == org.schema_name for line in of_task)
    assert all(line["request_id"] == "req-from-web" for line in of_task)
    assert any(line["org"] == "public" for line in logged)  # the worker's own lines

    beat_err = tmp_path / "beat.err"
    with open(beat_err, "w") as stderr:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "host", "beat", "-l", "info",
             "-s", str(tmp_path / "beat-schedule")],
            cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=stderr,
            start_new_session=True)
    try:
        wait_for(lambda: "Starting" in beat_err.read_text(), timeout=60)
    finally:
        beat.terminate()
        beat.wait(timeout=15)
    beat_lines = lines(beat_err.read_text())
    assert beat_lines and all(FIELDS <= set(line) and line["org"] for line in beat_lines)


def test_gunicorn_access_lines_are_json_with_the_host(django_db_setup, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    canary = "CANARY" + secrets.token_hex(12)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "host.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-",
             "--logger-class", "host.gunicorn_logging.RedactingLogger", "--no-control-socket"],
            cwd=ROOT, env=_env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/healthz", timeout=10)
                break
            except requests.RequestException:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        requests.get(f"{base}/s/{canary}?token={canary}", timeout=10, allow_redirects=False,
                     headers={"Host": f"acme.{settings.PLATFORM_DOMAIN}",
                              "X-Request-ID": "gunicorn-req-1"})
        wait_for(lambda: "gunicorn-req-1" in log.read_text(), timeout=10)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    text = log.read_text()
    assert canary not in text
    parsed = lines(text)  # gunicorn's own lines and the app's are JSON too
    access = next(line for line in parsed if line.get("request_id") == "gunicorn-req-1"
                  and line["logger"] == "gunicorn.access")
    assert access["host"] == f"acme.{settings.PLATFORM_DOMAIN}"
    assert access["path"] == "/s/[redacted]" and access["query"] == "token=[redacted]"


@pytest.fixture(autouse=True)
def _clean_context():
    yield
    assert log_context.current("request_id") is None
