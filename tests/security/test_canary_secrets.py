"""A canary secret sent in headers and query strings appears in no log line, no stored row and no
broker message.

Canaries: the org's webhook secret (header and ``?token=``), a wrong secret, a real API key
(both headers), a malformed API key, and an OAuth callback's ``code``/``state``. After the
requests, the platform's own log output, every table of the public and org schemas, and every
key in Redis are searched for each of them.
"""

from __future__ import annotations

import io
import logging
import re
import secrets as pysecrets

import redis as redislib
from django.conf import settings
from django.db import connection

from api.keys import create_key
from tests.reliability.workers import only_new_workers
from tests.salesforce.conftest import sf  # noqa: F401 - fixtures for ``live``
from tests.salesforce.test_webhook_support import (  # noqa: F401 - the live fixture
    JSON,
    XML,
    envelope,
    json_event,
    live_fixture,
    won,
)


def console_handler() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if h.get_name() == "console")


def rows_containing(schema: str, needle: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables "
                       "WHERE table_schema = %s AND table_type = 'BASE TABLE'", [schema])
        tables = [row[0] for row in cursor.fetchall()]
        hits = []
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}" t '  # noqa: S608
                           "WHERE t::text LIKE %s", [f"%{needle}%"])
            if cursor.fetchone()[0]:
                hits.append(table)
        return hits


def redis_values() -> str:
    client = redislib.Redis.from_url(settings.CELERY_BROKER_URL)
    dump = []
    for key in client.scan_iter():
        kind = client.type(key).decode()
        if kind == "string":
            dump.append(client.get(key) or b"")
        elif kind == "list":
            dump.extend(client.lrange(key, 0, -1))
        elif kind == "hash":
            dump.extend(client.hgetall(key).values())
        elif kind == "set":
            dump.extend(client.smembers(key))
        elif kind == "zset":
            dump.extend(client.zrange(key, 0, -1))
        dump.append(key)
    return b"\n".join(dump).decode(errors="replace")


def test_canaries_leave_no_trace(live):
    stream = io.StringIO()
    handler = console_handler()
    previous = handler.setStream(stream)
    wrong = "CANARY-wrong-" + pysecrets.token_urlsafe(12)
    malformed = "CANARY-malformed-" + pysecrets.token_urlsafe(12)
    code, state = "CANARY-code-" + pysecrets.token_urlsafe(8), "CANARY-state-" + pysecrets.token_urlsafe(8)
    with only_new_workers():  # keep the enqueued messages in Redis to inspect them
        try:
            ok_header = live.post(envelope(("04l000000000001AAA", won("0065w000023STAmAAO"))),
                                  headers={**XML, "x-salesforce-webhook-secret": live.secret})
            ok_query = live.post(json_event("0065w000023STAnAAO"), headers=JSON,
                                 token=live.secret)
            refused = live.post(json_event("0065w000023STAoAAO"), headers=JSON, token=wrong)
            key = create_key(live.org, "canary", ["contacts:read"]).plaintext
            api_ok = live.server.request("GET", live.host, "/api/v1/contacts",
                                         headers={"Authorization": f"Bearer {key}"})
            api_ok2 = live.server.request("GET", "localhost", "/api/v1/contacts?secret=" + key,
                                          headers={"X-API-Key": key})
            api_bad = live.server.request("GET", "localhost", "/api/v1/contacts",
                                          headers={"X-API-Key": malformed})
            callback = live.server.request(
                "GET", "localhost", f"/oauth/salesforce/callback?code={code}&state={state}")
            logging.getLogger("django.server").info(
                '"GET /api/v1/integrations/salesforce/webhook?token=%s HTTP/1.1" 401 -', wrong)
            assert (ok_header.status_code, ok_query.status_code, refused.status_code) == \
                (200, 202, 401)
            assert (api_ok.status_code, api_ok2.status_code, api_bad.status_code) == \
                (200, 200, 401)
            assert callback.status_code == 400
            broker = redis_values()
        finally:
            handler.setStream(previous)
    logs = stream.getvalue()
    assert "webhook" in logs and "[redacted]" in logs  # the capture saw the platform's lines
    canaries = {"webhook secret": live.secret, "wrong secret": wrong, "API key": key,
                "malformed key": malformed, "OAuth code": code, "OAuth state": state}
    for name, canary in canaries.items():
        assert canary not in logs, f"{name} in the logs"
        assert canary not in broker, f"{name} in a broker message"
        assert not rows_containing("public", canary), f"{name} stored in the public schema"
        assert not rows_containing(live.org.schema_name, canary), f"{name} stored in the org"
    from host.celery_app import app

    app.control.purge()


def _wait_for(path, needle: str, seconds: float = 20) -> str:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared in {path}")


def test_worker_and_beat_log_through_the_platforms_filters(celery_worker, tmp_path):
    """Celery replaced the root handlers in workers and beat, so their lines lost the org tag and
    the redaction. A task message the worker cannot run is logged with its whole body: the
    canaries in it must come out redacted, and every worker and beat line carries the tag."""
    import os
    import subprocess
    import sys

    from host.celery_app import app
    from tests.conftest import ROOT, database_url

    query, survey, bearer = (f"CANARY{kind}" + pysecrets.token_hex(12)
                             for kind in ("query", "survey", "bearer"))
    task = "canary.not_a_task_" + pysecrets.token_hex(4)
    app.send_task(task, args=[f"https://org.example/api?token={query}",
                              f"https://org.example/s/{survey}/unsubscribe"],
                  kwargs={"authorization": f"Bearer {bearer}"})
    worker_log = _wait_for(ROOT / ".dev" / f"test-worker-{os.getpid()}.log", task)

    beat_log_path = tmp_path / "beat.log"
    with open(beat_log_path, "w") as out:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "host", "beat", "-l", "info",
             "-s", str(tmp_path / "beat-schedule")],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url()}, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            beat_log = _wait_for(beat_log_path, "beat: Starting")
        finally:
            beat.terminate()
            beat.wait(timeout=15)

    unknown = next(line for line in worker_log.splitlines() if task in line)
    assert "[org=" in unknown and "celery.worker" in unknown
    assert "token=[redacted]" in worker_log and "/s/[redacted]/unsubscribe" in worker_log
    assert "Bearer [redacted]" in worker_log
    for canary in (query, survey, bearer):
        assert canary not in worker_log and canary not in beat_log
    starting = next(line for line in beat_log.splitlines() if "beat: Starting" in line)
    assert "[org=" in starting
    celery_format = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+: [A-Z]+/")  # Celery's own handler
    for log in (worker_log, beat_log):
        assert not any(celery_format.match(line) for line in log.splitlines())
