"""Survey and unsubscribe tokens (in URL paths) and query secrets stay out of access logs, Django's
request log and error reports (issue 13 §5)."""

from __future__ import annotations

import io
import os
import secrets
import socket
import subprocess
import sys
import time

import requests
from django.test import Client, RequestFactory
from django.views.debug import get_exception_reporter_class

from tests.conftest import ROOT, database_url
from tests.security.test_canary_secrets import console_handler

PROCFILE_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def _canary() -> str:
    return "CANARY" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_redacts_survey_tokens_and_query_secrets(django_db_setup):
    survey, query, referer = _canary(), _canary(), _canary()
    port = _free_port()
    log = ROOT / ".dev" / f"test-gunicorn-{os.getpid()}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "host.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-",
             "--access-logformat", PROCFILE_FORMAT + ' "%(r)s" "%(f)s" %({location}o)s',
             "--logger-class", "host.gunicorn_logging.RedactingLogger", "--no-control-socket"],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url()}, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/", timeout=10)
                break
            except requests.RequestException:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        for path in (f"/s/{survey}", f"/s/{survey}/unsubscribe",
                     f"/api/v1/integrations/salesforce/webhook?token={query}"):
            requests.get(base + path, headers={"Referer": f"https://x.example/s/{referer}"},
                         timeout=10, allow_redirects=False)
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    text = log.read_text()
    assert "/s/[redacted]/unsubscribe" in text and "token=[redacted]" in text
    for canary in (survey, query, referer):
        assert canary not in text


def test_django_request_log_redacts_survey_tokens(org_a):
    from tests.conftest import host_of

    token = _canary()
    stream = io.StringIO()
    handler = console_handler()
    previous = handler.setStream(stream)
    try:
        response = Client(HTTP_HOST=host_of(org_a)).get(f"/s/{token}/unsubscribe")
    finally:
        handler.setStream(previous)
    assert response.status_code == 404
    assert "Not Found: /s/[redacted]/unsubscribe" in stream.getvalue()
    assert token not in stream.getvalue()


def test_error_reports_redact_survey_tokens_and_secrets():
    token, secret = _canary(), _canary()
    request = RequestFactory().get(f"/s/{token}", {"token": secret},
                                   HTTP_REFERER=f"https://x.example/s/{token}")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
        text, html = reporter.get_traceback_text(), reporter.get_traceback_html()
    assert "/s/[redacted]" in text
    for report in (text, html):
        assert token not in report and secret not in report
