"""The public survey page and unsubscribe page under /s/<token>."""

from __future__ import annotations

import pytest
from django.test import Client

from plugins.sequences.delivery import run_due_step
from plugins.sequences.models import Response, Sending, Survey
from tests.conftest import host_of
from tests.sequences.factories import active_sequence
from tests.sequences.test_delivery import enrolled


@pytest.fixture
def visitor(org_a):
    return Client(HTTP_HOST=host_of(org_a))


def test_nps_page_offers_0_to_10_without_login(visitor, in_org_a):
    sending = enrolled()
    page = visitor.get(f"/s/{sending.token}").content.decode()
    assert "how likely are you to recommend us" in page
    assert page.count('name="score"') == 11
    assert 'value="0"' in page and 'value="10"' in page


def test_first_answer_is_recorded_and_completes_the_sending(visitor, in_org_a):
    sending = enrolled()
    response = visitor.post(f"/s/{sending.token}", {"score": "9", "comment": "Great"})
    assert response.status_code == 302
    page = visitor.get(f"/s/{sending.token}").content.decode()
    assert "Thank you! Your answer: <strong>9</strong>" in page
    visitor.post(f"/s/{sending.token}", {"score": "2"})
    [answer] = Response.objects.all()
    assert (answer.score, answer.comment) == (9, "Great")
    sending.refresh_from_db()
    assert sending.status == "completed" and sending.next_run_at is None


def test_csat_scale_refuses_scores_off_the_scale(visitor, in_org_a):
    csat = Survey.objects.get(kind="csat")
    sequence = active_sequence(steps=(("survey", 0),), survey=csat)
    from host.contracts import TriggerContact
    from host.trigger import enroll
    from tests.sequences.test_enrollment import req

    enroll(req(sequence, TriggerContact(email="c@example.com")))
    sending = Sending.objects.get()
    assert visitor.get(f"/s/{sending.token}").content.decode().count('name="score"') == 5
    for bad in ("0", "6", "x", ""):
        response = visitor.post(f"/s/{sending.token}", {"score": bad})
        assert response.status_code == 400
        assert b"Choose a score on the scale" in response.content
    assert not Response.objects.exists()


def test_unknown_or_tampered_tokens_get_the_404_page(visitor, in_org_a):
    sending = enrolled()
    tampered = sending.token[:-1] + ("A" if sending.token[-1] != "A" else "B")
    for token in ("nope", tampered, "x" * 200):
        response = visitor.get(f"/s/{token}")
        assert response.status_code == 404
        assert b"Page not found" in response.content


def test_a_token_of_another_org_is_unknown_here(org_a, org_b):
    with org_b:
        sending = enrolled("b@example.com")
    assert Client(HTTP_HOST=host_of(org_a)).get(f"/s/{sending.token}").status_code == 404


def test_unsubscribe_page_stops_all_open_sendings(visitor, in_org_a, mailoutbox):
    first, second = enrolled("u@example.com"), None
    run_due_step(first.pk)
    page = visitor.get(f"/s/{first.token}/unsubscribe").content.decode()
    assert "Unsubscribe from Surveys" in page and "stop receiving survey requests" in page
    visitor.post(f"/s/{first.token}/unsubscribe")
    page = visitor.get(f"/s/{first.token}/unsubscribe").content.decode()
    assert "You've been unsubscribed" in page
    first.refresh_from_db()
    first.contact.refresh_from_db()
    assert first.contact.unsubscribed and first.contact.unsubscribed_at
    assert first.next_run_at is None  # no reminder
    assert second is None
