"""Webhook events wake one task per org and integration, not one per event: a burst of events
costs one message, and the woken task handles all of them. The mark is an ``EventWakeup`` row
written in the statement that stores the events (``host.events``)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from host import events
from host.celery_app import app
from host.models import EventWakeup, InboundEvent
from host.tasking import WAKE_TTL
from host.tasks import process_new_events_task
from tests.host.test_fake_crm_phases import KEY, _connect, _won_event


@pytest.fixture
def sent(monkeypatch):
    """The messages tasks publish (kept, not sent: the test plays the worker)."""
    messages = []
    monkeypatch.setattr(app.Task, "apply_async", lambda self, args=None, kwargs=None,
                        headers=None, **options: messages.append((self.name, args, headers)))
    return messages


def _won(sequence, n: int):
    return _won_event(sequence, deal=f"deal-{n}", email=f"buyer{n}@example.com")


def _run(message) -> int:
    """Run a kept message as the worker would: its schema in the headers."""
    name, args, headers = message
    assert name == "host.process_new_events"
    return process_new_events_task.apply(args=args, headers=headers).get()


def test_a_burst_of_events_sends_one_wake_up_and_it_processes_them_all(
        org_a, sent, django_capture_on_commit_callbacks):
    from plugins.sequences.models import Sending
    from tests.sequences.factories import active_sequence

    _connect(org_a)
    with org_a:
        sequence = active_sequence()
        with django_capture_on_commit_callbacks(execute=True):
            first, _ = _won(sequence, 1)
        [message] = sent
        assert message[1] == (KEY,) and message[2]["_schema_name"] == org_a.schema_name
        mark = EventWakeup.objects.get(provider=KEY)
        for n in (2, 3):  # while the woken task still waits in its queue
            with django_capture_on_commit_callbacks(execute=True):
                _won(sequence, n)
        assert len(sent) == 1
        assert EventWakeup.objects.get(provider=KEY).marked_at == mark.marked_at  # left alone
        with django_capture_on_commit_callbacks(execute=True):
            _won(sequence, 1)  # a duplicate stores nothing and wakes nothing
        assert len(sent) == 1
        assert _run(message) == 3
        assert not EventWakeup.objects.exists()  # cleared when the task started
        assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
        assert Sending.objects.count() == 3
        with django_capture_on_commit_callbacks(execute=True):
            _won(sequence, 4)  # after the task started: a new wake-up
        assert len(sent) == 2 and _run(sent[1]) == 1


def test_the_task_is_sent_after_commit_so_it_sees_the_rows(
        org_a, sent, django_capture_on_commit_callbacks):
    from tests.sequences.factories import active_sequence

    _connect(org_a)
    with org_a:
        sequence = active_sequence()
        with django_capture_on_commit_callbacks() as callbacks:
            _won(sequence, 1)
            assert sent == []
        for callback in callbacks:
            callback()
        assert len(sent) == 1


def test_a_stale_mark_sends_again(org_a, sent, django_capture_on_commit_callbacks):
    """A mark older than WAKE_TTL: its message was lost (or waits that long); send another."""
    from tests.sequences.factories import active_sequence

    _connect(org_a)
    with org_a:
        sequence = active_sequence()
        with django_capture_on_commit_callbacks(execute=True):
            _won(sequence, 1)
        EventWakeup.objects.update(marked_at=EventWakeup.objects.get().marked_at
                                   - timedelta(seconds=WAKE_TTL - 1))
        with django_capture_on_commit_callbacks(execute=True):
            _won(sequence, 2)
        assert len(sent) == 1  # still fresh
        EventWakeup.objects.update(marked_at=EventWakeup.objects.get().marked_at
                                   - timedelta(seconds=2))
        with django_capture_on_commit_callbacks(execute=True):
            _won(sequence, 3)
        assert len(sent) == 2
        assert _run(sent[1]) == 3


def test_orgs_marks_are_their_own(org_a, org_b, sent, django_capture_on_commit_callbacks):
    from tests.sequences.factories import active_sequence

    _connect(org_a)  # org B's event is stored all the same (and ignored: not connected)
    for org in (org_a, org_b):
        with org:
            sequence = active_sequence()
            with django_capture_on_commit_callbacks(execute=True):
                _won(sequence, 1)
    assert [m[2]["_schema_name"] for m in sent] == [org_a.schema_name, org_b.schema_name]
    with org_b:
        assert _run(sent[1]) == 1
        assert not EventWakeup.objects.exists()
    with org_a:
        assert EventWakeup.objects.filter(provider=KEY).exists()  # org B's task left it


def test_a_failed_publish_leaves_no_mark_so_the_next_event_tries_again(
        org_a, monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from tests.sequences.factories import active_sequence

    attempts = []

    def broker_down(self, args=None, kwargs=None, headers=None, **options):
        attempts.append(EventWakeup.objects.filter(provider=KEY).exists())
        raise OperationalError("broker down")

    monkeypatch.setattr(app.Task, "apply_async", broker_down)
    _connect(org_a)
    with org_a:
        sequence = active_sequence()
        for n in (1, 2):
            with django_capture_on_commit_callbacks(execute=True):
                event, created = _won(sequence, n)  # stored and acknowledged all the same
            assert created and event.pk
        assert attempts == [True, True]  # marked when sent, the mark gone after the failure
        assert not EventWakeup.objects.exists()
        assert InboundEvent.objects.filter(status="pending").count() == 2  # the sweeper's now


def test_a_backlog_is_worked_through_in_batches_and_handed_on_after_the_budget(
        org_a, sent, monkeypatch, django_capture_on_commit_callbacks):
    from tests.sequences.factories import active_sequence

    monkeypatch.setattr(events, "BATCH_SIZE", 2)
    _connect(org_a)
    with org_a:
        sequence = active_sequence()
        for n in range(5):
            with django_capture_on_commit_callbacks(execute=True):
                _won(sequence, n)
        [woken] = sent
        monkeypatch.setattr(events, "NEW_EVENTS_BUDGET", 0)
        with django_capture_on_commit_callbacks(execute=True):
            assert _run(woken) == 2  # one batch, then a fresh copy for the rest
        [handed_on] = [m for m in sent[1:] if m[0] == "host.process_new_events"]
        monkeypatch.setattr(events, "NEW_EVENTS_BUDGET", 60)
        assert _run(handed_on) == 3  # batch after batch (2 + 1)
        assert InboundEvent.objects.filter(status="processed").count() == 5


def test_events_that_failed_an_attempt_are_left_to_the_sweeper(org_a, sent):
    with org_a:
        _connect(org_a)
        retried = InboundEvent.objects.create(provider=KEY, dedupe_key="old", kind="deal_won",
                                              payload={}, attempts=1)
        assert events.process_new(KEY) == 0
        retried.refresh_from_db()
        assert (retried.status, retried.attempts) == ("pending", 1)


def test_a_task_starting_while_a_webhook_stores_under_its_mark_waits_and_sees_the_event(
        committed_org, sent):
    """The race the mark must win: an event stored under a fresh mark (no new task is sent for
    it) while the marked task starts. The task's DELETE waits for the webhook's commit, so the
    task reads the event; nothing is left for the sweeper."""
    from tests.sequences.factories import active_sequence

    org = committed_org()
    _connect(org)
    with org:
        sequence = active_sequence()
        _won(sequence, 1)
        [message] = sent
    stored, release, counted = threading.Event(), threading.Event(), []

    def webhook():  # holds its transaction open after storing, as a slow commit would
        try:
            with org, transaction.atomic():
                _won(sequence, 2)
                stored.set()
                release.wait(10)
        finally:
            connection.close()

    def task():
        try:
            with org:
                counted.append(_run(message))
        finally:
            connection.close()

    writer = threading.Thread(target=webhook)
    writer.start()
    assert stored.wait(10)
    reader = threading.Thread(target=task)
    reader.start()
    reader.join(1.0)
    assert reader.is_alive()  # waiting on the mark's lock
    release.set()
    writer.join(10)
    reader.join(10)
    assert counted == [2]
    assert [m for m in sent if m[0] == "host.process_new_events"] == [message]  # one task for both
    with org:
        assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
