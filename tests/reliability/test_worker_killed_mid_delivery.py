"""A worker SIGKILLed in the middle of sending a survey email: delivered exactly once afterwards."""

from __future__ import annotations

import time

import pytest

from devtools.smtp_sink import SmtpSink
from host.contracts import TriggerContact
from host.trigger import enroll
from plugins.sequences.delivery import dispatch_due
from plugins.sequences.models import Sending
from tests.reliability.workers import kill_hard, only_new_workers, start_worker, stop
from tests.sequences.factories import active_sequence
from tests.sequences.test_enrollment import req
from tests.waiting import wait_for

pytestmark = pytest.mark.slow



@pytest.fixture
def alone():
    with only_new_workers():
        yield


def test_survey_email_is_sent_once_after_the_worker_dies_mid_smtp(committed_org, alone):
    from host.celery_app import app

    app.control.purge()
    sink = SmtpSink(hold_data_seconds=30)
    email_url = f"smtp://127.0.0.1:{sink.port}"
    org = committed_org("kill")
    first = start_worker("doomed", EMAIL_URL=email_url, EMAIL_TIMEOUT="60")
    try:
        with org:
            sequence = active_sequence(steps=(("survey", 0),))
            enroll(req(sequence, TriggerContact(email="once@example.com"), source="manual"))
        assert sink.data_started.wait(30), "the worker never reached DATA"
        kill_hard(first)  # mid-SMTP: the server has the bytes but never said 250
    finally:
        stop(first)
    assert sink.accepted == []
    with org:
        sending = Sending.objects.get()
        assert sending.status == "pending" and sending.next_run_at is not None  # rolled back
    sink.hold_data_seconds = 0
    second = start_worker("survivor", EMAIL_URL=email_url)
    try:
        with org:
            assert dispatch_due() == 1  # the periodic sweep finds the step still due
        assert wait_for(lambda: len(sink.accepted) == 1)
        with org:
            assert wait_for(lambda: Sending.objects.get().status == "sent")
            with org:
                assert dispatch_due() == 0
        time.sleep(2)
        assert len(sink.accepted) == 1
        assert "once@example.com" in sink.accepted[0]
    finally:
        stop(second)
        sink.stop()
