"""The host's pushback outbox, proven with the fake CRM plugin (installed like a third party's):
batching by records, newest-score-wins, backoff with jitter, rate-limit deferral, reconnects,
one writer per org and integration, tenant isolation, and the Salesforce table's migration."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from host import pushback
from host.contracts import ConnectionResult, ScoreUpdate
from host.integrations import get_connection
from host.models import PushbackItem

KEY = "fake_crm"


def _connect(org, account="acct-1", **settings):
    with org:
        conn = get_connection(KEY)
        conn.settings = settings
        conn.save()
        conn.store_result(ConnectionResult(account, f"user@{account}.example", {"token": "t"}))
        pushback.unschedule(KEY)
        return conn


def score(external_id, value=9, kind="nps", at=None) -> ScoreUpdate:
    return ScoreUpdate(response_id=uuid.uuid4(), contact_id=uuid.uuid4(), external_id=external_id,
                       kind=kind, score=value, answered_at=at or timezone.now())


def pushed():
    from fake_crm.models import PushedScore

    return list(PushedScore.objects.order_by("id"))


def test_scores_are_written_in_batches_of_the_plugins_size_with_one_update_per_record(org_a):
    conn = _connect(org_a)
    with org_a:
        now = timezone.now()
        # 7 records, record r0 with two kinds: batches of 3 records -> 3 calls, 8 items.
        updates = [score(f"r{i}", i, at=now + timedelta(seconds=i)) for i in range(7)]
        updates.append(score("r0", 4, kind="csat", at=now + timedelta(seconds=9)))
        assert pushback.queue(KEY, updates) == 8
        assert pushback.push_queued(conn) == {"written": 8}
        rows = pushed()
        assert len({r.batch for r in rows}) == 3
        assert sorted({r.external_id for r in rows if r.batch == rows[0].batch}) == [
            "r0", "r1", "r2"]
        nps = PushbackItem.objects.get(external_id="r1")
        assert nps.fields == {"nps": 1, "surveyed_on": nps.answered_at.date().isoformat()}
        # csat_field is not mapped by default: only the survey date is written for it.
        csat = PushbackItem.objects.get(external_id="r0", kind="csat")
        assert csat.fields == {"surveyed_on": csat.answered_at.date().isoformat()}
        assert pushback.push_queued(conn) == {}  # nothing due: no call
        assert len(pushed()) == 8
        conn.settings = {"field_mapping": {"nps_field": "nps", "csat_field": "",
                                           "date_field": ""}}
        conn.save()
        pushback.queue(KEY, [score("r9", 3, kind="csat")])
        assert pushback.push_queued(conn) == {"skipped": 1}
        csat = PushbackItem.objects.get(external_id="r9")
        assert (csat.error_code, csat.error) == ("NOT_MAPPED", "No FakeCRM property is mapped "
                                                               "for this score.")
        assert len(pushed()) == 8


def test_newest_score_wins_per_record_and_kind(org_a):
    conn = _connect(org_a)
    with org_a:
        now = timezone.now()
        newer = score("r1", 9, at=now)
        pushback.queue(KEY, [newer])
        pushback.push_queued(conn)
        older = score("r1", 2, at=now - timedelta(days=2))
        pushback.queue(KEY, [older, score("r2", 3, at=now - timedelta(days=1)),
                             score("r2", 8, at=now)])
        assert pushback.push_queued(conn) == {"skipped": 2, "written": 1}
        late = PushbackItem.objects.get(response_id=older.response_id)
        assert late.error == "A newer score is already in FakeCRM."
        assert [(r.external_id, r.score) for r in pushed()] == [("r1", 9), ("r2", 8)]


def test_the_survey_date_only_moves_forward(org_a):
    conn = _connect(org_a, field_mapping={"nps_field": "nps", "csat_field": "csat",
                                          "date_field": "surveyed_on"})
    with org_a:
        now = timezone.now()
        pushback.queue(KEY, [score("r1", 4, kind="csat", at=now)])
        pushback.push_queued(conn)
        late = score("r1", 8, at=now - timedelta(days=5))
        pushback.queue(KEY, [late])
        assert pushback.push_queued(conn) == {"written": 1}
        assert PushbackItem.objects.get(response_id=late.response_id).fields == {"nps": 8}


def test_retryable_failures_back_off_with_jitter_then_fail_for_retry_failed(org_a):
    script = {"r1": {"status": "failed", "error": "busy", "error_code": "BUSY",
                     "retryable": True}}
    conn = _connect(org_a, push_script=script)
    with org_a:
        pushback.queue(KEY, [score("r1"), score("r2")])
        for i in range(3):
            pushback.queue(KEY, [score(f"x{i}")])
        now = timezone.now()
        assert pushback.push_queued(conn, now=now) == {"queued": 1, "written": 4}
        item = PushbackItem.objects.get(external_id="r1")
        assert item.attempts == 1 and 15 <= (item.next_attempt_at - now).total_seconds() <= 30
        assert pushback.push_queued(conn, now=now + timedelta(seconds=5)) == {}  # not due yet
        delays = {pushback.backoff(1) for _ in range(20)}
        assert len(delays) > 1 and all(15 <= d <= 30 for d in delays)  # jittered
        for _ in range(pushback.MAX_ATTEMPTS):
            now += timedelta(hours=2)
            pushback.push_queued(conn, now=now)
        item.refresh_from_db()
        assert (item.status, item.attempts) == ("failed", pushback.MAX_ATTEMPTS)
        assert "FakeCRM kept refusing" in item.error and "click Retry failed" in item.error
        conn.settings = {}
        conn.save()
        assert pushback.retry_failed(KEY) == 1
        assert pushback.push_queued(conn) == {"written": 1}


def test_a_permanent_failure_waits_for_retry_failed(org_a):
    script = {"r1": {"status": "failed", "error": "No such property.", "error_code": "BAD"}}
    conn = _connect(org_a, push_script=script)
    with org_a:
        pushback.queue(KEY, [score("r1")])
        assert pushback.push_queued(conn) == {"failed": 1}
        assert pushback.push_queued(conn, now=timezone.now() + timedelta(days=1)) == {}
        assert pushback.backlog(KEY) == 0


def test_a_rate_limit_defers_the_whole_queue_by_retry_after(org_a):
    script = {"r0": {"status": "rate_limited", "error": "Slow down", "error_code": "429",
                     "retry_after": 600}}
    conn = _connect(org_a, push_script=script)
    with org_a:
        now = timezone.now()
        pushback.queue(KEY, [score(f"r{i}", at=now + timedelta(seconds=i)) for i in range(8)])
        assert pushback.push_queued(conn, now=now) == {"queued": 6, "written": 2}
        assert len(pushed()) == 2  # the batch's other records; then the run stopped
        waiting = PushbackItem.objects.filter(status="queued")
        assert {i.next_attempt_at for i in waiting} == {now + timedelta(seconds=600)}
        assert {i.attempts for i in waiting} == {0}
        assert pushback.push_queued(conn, now=now + timedelta(minutes=5)) == {}
        conn.settings = {}
        conn.save()
        assert pushback.push_queued(conn, now=now + timedelta(minutes=11)) == {"written": 6}
        assert pushback.backlog(KEY) == 0


def test_needs_reconnect_keeps_the_queue_untouched(org_a):
    conn = _connect(org_a)
    with org_a:
        pushback.queue(KEY, [score("r1")])
        conn.mark_needs_attention("FakeCRM revoked the grant.")
        assert pushback.push_queued(conn) == {"queued": 1}
        item = PushbackItem.objects.get()
        assert (item.attempts, item.next_attempt_at, item.error_code) == (0, None,
                                                                         "NEEDS_RECONNECT")
        assert pushed() == []


def test_hook_pushback_write__each_orgs_items_are_written_with_its_own_connection(
        org_a, org_b, celery_eager, django_capture_on_commit_callbacks):
    from host.tasks import push_queued_task

    _connect(org_a, account="acct-A")
    _connect(org_b, account="acct-B")
    for org, prefix in ((org_a, "a"), (org_b, "b")):
        with org, django_capture_on_commit_callbacks(execute=True):
            pushback.queue(KEY, [score(f"{prefix}{i}") for i in range(4)])  # schedules a writer
    for org, prefix, account in ((org_a, "a", "acct-A"), (org_b, "b", "acct-B")):
        with org:
            rows = pushed()
            assert {(r.account, r.schema) for r in rows} == {(account, org.schema_name)}
            assert sorted(r.external_id for r in rows) == [f"{prefix}{i}" for i in range(4)]
            assert pushback.backlog(KEY) == 0
    with org_a:  # a task of org A sees only org A's queue
        pushback.queue(KEY, [score("a9")])
        result = push_queued_task.apply([KEY], headers={"_schema_name": org_a.schema_name}).get()
        assert result == {"written": 1}
    with org_b:
        assert "a9" not in {r.external_id for r in pushed()}


def test_hook_pushback_check_fields__checks_the_mapped_targets(org_a):
    from host import hooks

    conn = _connect(org_a)
    with org_a:
        checks = hooks.integration(KEY).pushback_check_fields(
            connection=conn, mapping={"nps_field": "nps", "csat_field": "", "date_field": "d"},
            refresh=True)
        assert [(c.key, c.ok, c.fixable) for c in checks] == [("nps_field", True, False),
                                                               ("date_field", False, True)]


def test_hook_pushback_create_fields__optional_and_offered_only_by_implementers(org_a):
    from host import hooks
    from host.sections.field_mapping import FieldMappingSection
    from plugins.salesforce.sections import mapping as salesforce_mapping

    conn = _connect(org_a)
    chosen = {"nps_field": "nps", "csat_field": "csat", "date_field": ""}
    with org_a:
        checks = hooks.integration(KEY).pushback_check_fields(connection=conn, mapping=chosen,
                                                              refresh=True)
        result = hooks.integration(KEY).pushback_create_fields(connection=conn, mapping=chosen,
                                                               checks=checks)
        assert [s.text for s in result.steps] == ["Created csat."]
        assert all(c.ok for c in result.checks)
    assert FieldMappingSection(KEY, None, ids="fc").can_create()
    assert salesforce_mapping.can_create()


def test_beat_fans_out_only_to_orgs_with_due_scores(org_a, org_b, monkeypatch):
    from host.celery_app import app
    from host.tasks import push_all

    _connect(org_a, account="acct-A")
    _connect(org_b, account="acct-B")  # one account is one org's (the webhook routing table)
    sent = []
    monkeypatch.setattr(app.Task, "apply_async",
                        lambda self, *a, **k: sent.append((self.name, k["headers"])))
    assert push_all() == 0
    with org_b:
        PushbackItem.objects.create(provider=KEY, response_id=uuid.uuid4(),
                                    contact_id=uuid.uuid4(), external_id="r1", kind="nps",
                                    score=9, answered_at=timezone.now())
    assert push_all() == 1
    [(name, headers)] = sent
    assert (name, headers["_schema_name"]) == ("host.push_queued", org_b.schema_name)


def test_concurrent_writers_never_write_an_item_twice(committed_org):
    from fake_crm.models import PushedScore

    org = committed_org("push")
    _connect(org, push_delay=0.3)
    with org:
        pushback.queue(KEY, [score(f"r{i}") for i in range(10)])
    outcomes, errors = [], []

    def writer():
        try:
            with org:
                outcomes.append(pushback.push_queued(get_connection(KEY)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(outcomes, key=len) == [{"busy": 1}, {"busy": 1}, {"written": 10}]
    with org:
        assert PushedScore.objects.count() == 10
        assert PushbackItem.objects.filter(status="written").count() == 10


def test_a_writer_that_finds_another_writing_leaves_its_scores_to_it(committed_org, monkeypatch):
    """A writer woken while another writes returns at once ("busy"), sending nothing; the one
    writing looks for what came due meanwhile once it unlocked, and wakes a writer for it."""
    from host.celery_app import app

    org = committed_org("push")
    _connect(org, push_delay=0.3)
    sent = []
    monkeypatch.setattr(app.Task, "apply_async", lambda self, args=None, kwargs=None,
                        headers=None, **options: sent.append((self.name, headers["_schema_name"])))
    with org:
        pushback.queue(KEY, [score("r1")])
    writing, outcomes = threading.Event(), {}

    def writer():
        try:
            with org:
                conn = get_connection(KEY)
                writing.set()
                outcomes["first"] = pushback.push_queued(conn)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert writing.wait(10)
    time.sleep(0.1)  # inside the 0.3 s write
    with org:
        pushback.unschedule(KEY)  # the first writer started: its mark is gone
        pushback.queue(KEY, [score("r2")])  # wakes a writer for r2...
        pushback.unschedule(KEY)  # ...which starts...
        assert pushback.push_queued(get_connection(KEY)) == {"busy": 1}  # ...and finds it busy
        bounced = len(sent)
    thread.join(10)
    assert outcomes["first"] == {"written": 1}
    # The first writer, done, found r2 due and woke a writer for it.
    assert sent[bounced:] == [("host.push_queued", org.schema_name)]
    with org:
        pushback.unschedule(KEY)
        assert pushback.push_queued(get_connection(KEY)) == {"written": 1}
        assert PushbackItem.objects.filter(status="written").count() == 2
    assert len(sent) == bounced + 1  # nothing left due: no writer woken


def test_migration_moves_salesforce_items_into_the_host_outbox(django_db_setup,
                                                               django_db_blocker):
    """On a scratch schema (committed, no flush of the session's data afterwards): migrate to
    before the move, store a Salesforce item, migrate."""
    with django_db_blocker.unblock():
        _migrate_a_scratch_schema()


def _migrate_a_scratch_schema():
    from django.db.migrations.executor import MigrationExecutor

    schema = f"mig_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    try:
        connection.set_schema(schema, include_public=False)
        executor = MigrationExecutor(connection)
        executor.migrate([("salesforce", "0002_pushback_log_index"),
                          ("host", "0004_syncrun_lease")])
        response = uuid.uuid4()
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO salesforce_pushbackitem (response_id, contact_id, external_id, kind,"
                " score, answered_at, status, attempts, fields, error, error_code, created_at,"
                " updated_at) VALUES (%s, %s, '003000000000001AAA', 'nps', 9, now(), 'failed',"
                " 3, '{\"NPS_Score__c\": 9}', 'bad field', 'INVALID_FIELD', now(), now())",
                [response, uuid.uuid4()])
        executor = MigrationExecutor(connection)
        executor.migrate([("salesforce", "0003_move_pushback_items_to_host"),
                          ("host", "0005_pushbackitem")])
        with connection.cursor() as cur:
            cur.execute("SELECT provider, response_id, status, attempts, fields, error_code "
                        "FROM host_pushbackitem")
            assert cur.fetchall() == [("salesforce", response, "failed", 3,
                                       '{"NPS_Score__c": 9}', "INVALID_FIELD")]
            cur.execute("SELECT to_regclass('salesforce_pushbackitem')")
            assert cur.fetchone() == (None,)
            cur.execute(  # the id sequence continues after the copied ids
                "INSERT INTO host_pushbackitem (provider, response_id, contact_id, external_id,"
                " kind, score, answered_at, status, attempts, fields, error, error_code,"
                " created_at, updated_at) VALUES ('fake_crm', %s, %s, 'r1', 'nps', 1, now(),"
                " 'queued', 0, '{}', '', '', now(), now())", [uuid.uuid4(), uuid.uuid4()])
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --- The host's sections on another CRM's page (FakeCRM's words, FakeCRM's hooks) -------------

PAGE = "/fake-crm/pushback"
SECTION = "/settings/integrations/fake_crm"
FORM = {"nps_field": "nps", "csat_field": "csat", "date_field": "surveyed_on"}


def _text(response) -> str:
    return response.content.decode()


def test_field_mapping_section_tests_creates_and_saves_through_the_plugins_hooks(
        client_a, org_a):
    page = _text(client_a.get(PAGE))
    assert "Score pushback field mapping" in page and 'value="nps"' in page
    assert "Test Fields works once FakeCRM is connected." in page
    assert "Connect FakeCRM to test the fields." in _text(client_a.post(SECTION + "/test-fields",
                                                                         FORM))
    _connect(org_a)
    tested = _text(client_a.post(SECTION + "/test-fields", FORM))
    assert "Test Fields: contact in your FakeCRM account" in tested
    assert "<strong>csat does not exist.</strong>" in tested
    assert 'id="fc-create-fields"' in tested and "Create missing properties" in tested
    created = _text(client_a.post(SECTION + "/create-fields", FORM))
    assert "Created csat." in created and created.count('<tr class="ok">') == 3
    assert 'id="fc-create-fields"' not in created
    bad = client_a.post(SECTION + "/mapping", {**FORM, "csat_field": "nps"})
    assert bad.status_code == 400 and "map each score to its own field" in _text(bad)
    saved = client_a.post(SECTION + "/mapping", FORM)
    assert saved.status_code == 302 and saved["Location"] == PAGE + "#fc-mapping"
    with org_a:
        assert get_connection(KEY).settings["field_mapping"] == FORM


def test_pushback_log_section_shows_failures_and_retry_failed_queues_them_again(
        client_a, org_a):
    script = {"r1": {"status": "failed", "error": "No such property.", "error_code": "BAD"}}
    conn = _connect(org_a, push_script=script)
    assert "No scores have been pushed to FakeCRM yet." in _text(client_a.get(PAGE))
    with org_a:
        pushback.queue(KEY, [score("r1"), score("r2")])
        pushback.push_queued(conn)
    log = _text(client_a.get(PAGE))
    assert "Retry failed (1)" in log and "FakeCRM error" in log
    assert "<code>BAD</code> No such property." in log and "Properties and values" in log
    retried = client_a.post(SECTION + "/pushback/retry")
    assert retried.status_code == 302 and retried["Location"] == PAGE + "#fc-pushback"
    with org_a:
        assert PushbackItem.objects.get(external_id="r1").status == "queued"
