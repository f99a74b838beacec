"""Email that bulk-sender rules accept (issue 13 §6): RFC 8058 one-click unsubscribe, and each
organization's own sender identity (display name, reply-to), never another's."""

from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import getaddresses

import pytest
from django.test import Client

from host.models import Contact
from plugins.sequences.delivery import run_due_step
from plugins.sequences.models import Sending, SendingSettings
from tests.conftest import host_of
from tests.sequences.test_delivery import enrolled


def _parsed(mail):
    return message_from_bytes(mail.message().as_bytes())


def _sent(org, email: str):
    with org:
        sending = enrolled(email=email)
        assert run_due_step(sending.pk) == "sent"
        return sending


def test_one_click_unsubscribe_headers_per_org(org_a, org_b, mailoutbox):
    sent = [_sent(org_a, "ann@example.com"), _sent(org_b, "bob@example.com")]
    for org, sending, mail in zip((org_a, org_b), sent, mailoutbox, strict=True):
        headers = _parsed(mail)
        assert "".join(headers["List-Unsubscribe"].split()) == \
            f"<http://{host_of(org)}:8000/s/{sending.token}/unsubscribe>"
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_post_unsubscribes_without_a_session_or_csrf_token(org_a, in_org_a):
    sending = enrolled()
    mailbox_provider = Client(HTTP_HOST=host_of(org_a), enforce_csrf_checks=True)
    for _ in range(2):  # idempotent: providers may retry
        response = mailbox_provider.post(f"/s/{sending.token}/unsubscribe",
                                         {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    contact = Contact.objects.get(pk=sending.contact_id)
    assert contact.unsubscribed
    sending.refresh_from_db()
    assert sending.status == Sending.Status.CANCELLED
    page = mailbox_provider.get(f"/s/{sending.token}/unsubscribe")  # GET still only shows
    assert page.status_code == 200


def test_get_does_not_unsubscribe(org_a, in_org_a):
    sending = enrolled()
    Client(HTTP_HOST=host_of(org_a)).get(f"/s/{sending.token}/unsubscribe")
    assert not Contact.objects.get(pk=sending.contact_id).unsubscribed


@pytest.mark.parametrize("name", ['Acme, Inc. "Best" <evil@attacker.example>', "Zoë & Søn",
                                  "Line\r\nBcc: victim@example.com"])
def test_the_display_name_is_encoded_and_cannot_add_addresses(org_a, name, mailoutbox):
    with org_a:
        SendingSettings.objects.update_or_create(pk=1, defaults={"from_name": name})
    _sent(org_a, "ann@example.com")
    headers = _parsed(mailoutbox[0])
    [(display, address)] = getaddresses([str(make_header(decode_header(headers["From"])))])
    assert address == "surveys@localhost"
    assert display == " ".join(name.split())
    assert headers["Bcc"] is None and mailoutbox[0].bcc == []


def test_reply_to_is_the_orgs_own_and_never_another_orgs(org_a, org_b, mailoutbox):
    with org_a:
        SendingSettings.objects.update_or_create(pk=1, defaults={"reply_to": "help@org-a.example"})
    _sent(org_a, "ann@example.com")
    _sent(org_b, "bob@example.com")
    a, b = mailoutbox
    assert a.reply_to == ["help@org-a.example"]
    assert b.reply_to == [] and "org-a" not in b.message().as_string()


def test_reply_to_is_set_on_the_sending_settings_page_and_validated(client_a, org_a):
    bad = client_a.post("/settings/sending", {"from_name": "", "cooldown_days": "0",
                                              "reply_to": "not an address\r\nBcc: x@y.z"})
    assert bad.status_code == 400
    ok = client_a.post("/settings/sending", {"from_name": "", "cooldown_days": "0",
                                             "reply_to": "help@org-a.example"})
    assert ok.status_code == 302
    with org_a:
        assert SendingSettings.load().reply_to == "help@org-a.example"
