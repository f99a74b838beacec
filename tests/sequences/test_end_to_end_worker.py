"""With a real worker: enroll → email sent → survey answered → response → CRM pushback."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from host.contracts import ConnectionResult, ExternalContact, TriggerContact
from host.integrations import get_connection
from host.sync import apply_contacts
from host.trigger import enroll
from plugins.sequences.models import Response, Sending
from tests.conftest import host_of
from tests.sequences.factories import active_sequence
from tests.sequences.test_enrollment import req
from tests.waiting import wait_for

pytestmark = pytest.mark.usefixtures("celery_worker")



def test_enroll_email_answer_response_pushback(committed_org, celery_worker):
    from fake_crm.models import PushedScore

    org = committed_org("e2e")
    with org:
        conn = get_connection("fake_crm")
        conn.store_result(ConnectionResult("acct-1", "fake-user", {"token": "t-1"}))
        apply_contacts("fake_crm", [ExternalContact(external_id="crm-42", email="e2e@example.com",
                                                    first_name="Eve")])
        sequence = active_sequence(steps=(("survey", 0),))
        result = enroll(req(sequence, TriggerContact(email="e2e@example.com"), source="manual"))
        assert result.sendings_created == 1
        sending = Sending.objects.get()

    def mail_for_this_sending():
        for path in celery_worker.maildir.glob("*.log"):
            text = path.read_text()
            if sending.token in text:
                return text
        return None

    mail = wait_for(mail_for_this_sending)
    assert "Subject: =?utf-8?q?Live" in mail or f"Subject: {org.name} wants your feedback" in mail
    url = re.search(r"http://[^\s]+/s/[\w-]+", mail).group(0)
    assert host_of(org) in url
    with org:
        assert wait_for(lambda: Sending.objects.get().status == "sent")
    visitor = Client(HTTP_HOST=host_of(org))
    assert visitor.post(url.split(":8000", 1)[1], {"score": "9"}).status_code == 302
    with org:
        assert Response.objects.get().score == 9
        pushed = wait_for(lambda: list(PushedScore.objects.values_list("external_id", "score")))
        assert pushed == [("crm-42", 9)]
