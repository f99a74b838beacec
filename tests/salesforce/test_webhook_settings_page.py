"""The trigger and webhook sections of /settings/integrations/salesforce."""

from __future__ import annotations

import hashlib
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from host.integrations import get_connection
from host.links import org_base_url
from host.webhooks import secrets
from tenants.models import Membership
from tests.conftest import host_of
from tests.salesforce.conftest import KEY

PAGE = "/settings/integrations/salesforce"


@pytest.fixture
def sequences_a(org_a):
    """The demo's active sequence plus a draft one, in org A."""
    from plugins.sequences.demo import DEMO_SEQUENCE, seed_sequences
    from plugins.sequences.models import Sequence

    with org_a:
        seed_sequences()
        draft = Sequence.objects.create(name="Draft follow-up")
        active = Sequence.objects.get(name=DEMO_SEQUENCE)
    return str(active.pk), str(draft.pk)


def _conn(org):
    with org:
        return get_connection(KEY)


def _text(response) -> str:
    return response.content.decode()


def test_page_shows_modes_sequences_and_the_absolute_webhook_url(client_a, org_a, sequences_a):
    active, draft = sequences_a
    page = _text(client_a.get(PAGE))
    for label in ("manual: Trigger only from the manual queue",
                  "auto: Trigger from Closed Won webhook events",
                  "both: Enable auto triggers and manual queue"):
        assert label in page
    assert f'value="{active}"' in page and f'value="{draft}"' not in page  # active only
    url = org_base_url(org_a) + "/api/v1/integrations/salesforce/webhook"
    assert url.startswith(("http://org-a.", "https://org-a."))
    assert f'id="sf-webhook-url" value="{url}"' in page
    assert 'data-copy="sf-webhook-url"' in page
    assert "x-salesforce-webhook-secret" in page and "?token=" in page and "IsWon" in page
    assert '"contact_email"' in html.unescape(page) and '"event_id"' in html.unescape(page)


@pytest.mark.parametrize("mode", ["auto", "both"])
def test_auto_and_both_require_a_sequence(client_a, org_a, sequences_a, mode):
    response = client_a.post(PAGE + "/trigger", {"trigger_mode": mode, "sequence": ""})
    assert response.status_code == 400
    assert "Choose the sequence to run" in _text(response)
    assert 'aria-invalid="true"' in _text(response)
    assert "trigger_mode" not in _conn(org_a).settings


def test_an_inactive_sequence_is_refused(client_a, org_a, sequences_a):
    _, draft = sequences_a
    response = client_a.post(PAGE + "/trigger", {"trigger_mode": "both", "sequence": draft})
    assert response.status_code == 400
    assert "trigger_mode" not in _conn(org_a).settings


def test_saving_mode_and_sequence(client_a, org_a, sequences_a):
    active, _ = sequences_a
    response = client_a.post(PAGE + "/trigger", {"trigger_mode": "both", "sequence": active})
    assert response.status_code == 302
    settings = _conn(org_a).settings
    assert (settings["trigger_mode"], settings["auto_sequence_id"]) == ("both", active)
    page = _text(client_a.get(PAGE))
    assert "Trigger mode saved: both." in page
    assert re.search(rf'<option value="{active}" selected>', page)
    assert client_a.post(PAGE + "/trigger", {"trigger_mode": "manual", "sequence": ""}
                         ).status_code == 302
    assert _conn(org_a).settings["trigger_mode"] == "manual"


def test_secret_is_shown_once_stored_hashed_and_rotation_keeps_a_grace_period(
        client_a, org_a, settings):
    settings.SALESFORCE_WEBHOOK_SECRET = ""
    assert "every webhook is refused" in _text(client_a.get(PAGE))
    response = client_a.post(PAGE + "/webhook-secret")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = re.search(r'id="sf-new-secret" value="([^"]+)"', _text(response)).group(1)
    assert len(secret) >= 43  # 32 random bytes, base64url
    assert f"?token={secret}" in _text(response)
    stored = _conn(org_a).settings
    assert stored["webhook_secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(stored)
    page = _text(client_a.get(PAGE))
    assert secret not in page
    assert "this organization's own webhook secret" in page
    rotated = _text(client_a.post(PAGE + "/webhook-secret"))
    assert "previous secret keeps working for 72 hours" in rotated
    conn = _conn(org_a)
    assert secrets.matches(conn, secret.encode())  # still valid during the grace period
    assert "keeps working until" in _text(client_a.get(PAGE))


def _mark_connected(org):
    with org:
        conn = get_connection(KEY)
        conn.status, conn.external_account_id = conn.Status.CONNECTED, "00D5g000004SdqEEAS"
        conn.save()


def test_secret_source_line_follows_the_precedence(client_a, org_a, settings):
    settings.SALESFORCE_WEBHOOK_SECRET = "global-secret-for-tests-0123456789"
    page = html.unescape(_text(client_a.get(PAGE)))
    assert "the global fallback applies only while Salesforce is connected" in page
    assert secrets.source(_conn(org_a)) == secrets.NONE
    _mark_connected(org_a)
    assert "the global fallback" in _text(client_a.get(PAGE))
    client_a.post(PAGE + "/webhook-secret")
    assert "the global secret is not accepted" in _text(client_a.get(PAGE))
    assert client_a.post(PAGE + "/webhook-secret/remove").status_code == 302
    assert "the global fallback" in _text(client_a.get(PAGE))
    assert secrets.source(_conn(org_a)) == secrets.GLOBAL


def test_the_global_fallback_can_be_switched_off_and_on(client_a, org_a, settings):
    settings.SALESFORCE_WEBHOOK_SECRET = "global-secret-for-tests-0123456789"
    _mark_connected(org_a)
    assert secrets.source(_conn(org_a)) == secrets.GLOBAL
    assert client_a.post(PAGE + "/webhook-fallback", {"allow": "off"}).status_code == 302
    assert secrets.source(_conn(org_a)) == secrets.NONE
    page = html.unescape(_text(client_a.get(PAGE)))
    assert "no longer accepted" in page and "the global fallback is switched off" in page
    assert client_a.post(PAGE + "/webhook-fallback", {"allow": "maybe"}).status_code == 302
    assert secrets.source(_conn(org_a)) == secrets.NONE  # nothing but on/off changes it
    client_a.post(PAGE + "/webhook-fallback", {"allow": "on"})
    assert secrets.source(_conn(org_a)) == secrets.GLOBAL


def test_signed_json_needs_the_orgs_own_secret(client_a, org_a):
    client_a.post(PAGE + "/webhook-signing", {"require": "on"})
    assert not secrets.signature_required(_conn(org_a))  # no secret to sign with yet
    with org_a:  # a secret from before encrypted copies were kept: only its hash
        conn = get_connection(KEY)
        secrets.rotate(conn)
        conn.update_settings(lambda v: v.pop("webhook_secret_encrypted"))
    response = client_a.post(PAGE + "/webhook-signing", {"require": "on"}, follow=True)
    assert "Generate a new webhook secret first" in html.unescape(_text(response))
    assert not secrets.signature_required(_conn(org_a))
    client_a.post(PAGE + "/webhook-secret")
    client_a.post(PAGE + "/webhook-signing", {"require": "on"})
    assert secrets.signature_required(_conn(org_a))
    assert "signed JSON only" in _text(client_a.get(PAGE))
    client_a.post(PAGE + "/webhook-secret/remove")  # no secret, no signing
    assert not secrets.signature_required(_conn(org_a))


def test_members_cannot_change_trigger_settings(org_a, sequences_a):
    user = get_user_model().objects.create_user(username="member@org-a.example", email="member@org-a.example",
                                                password="correct-horse-battery-9")
    Membership.objects.create(user=user, organization=org_a, role=Membership.Role.MEMBER)
    member = Client(HTTP_HOST=host_of(org_a))
    member.force_login(user)
    assert member.post(PAGE + "/trigger", {"trigger_mode": "both",
                                           "sequence": sequences_a[0]}).status_code == 403
    assert member.post(PAGE + "/webhook-secret").status_code == 403
    assert member.post(PAGE + "/webhook-fallback", {"allow": "off"}).status_code == 403
    assert member.post(PAGE + "/webhook-signing", {"require": "on"}).status_code == 403
    assert "trigger_mode" not in _conn(org_a).settings
    anonymous = Client(HTTP_HOST=host_of(org_a))
    assert anonymous.post(PAGE + "/webhook-secret").status_code == 302  # to the login page


def test_emulator_buttons_only_in_debug_with_a_loopback_emulator(client_a, settings):
    settings.SALESFORCE_LOGIN_URL = "http://127.0.0.1:8765"
    settings.DEBUG = False
    assert "Send these settings to the local emulator" not in _text(client_a.get(PAGE))
    assert client_a.post(PAGE + "/emulator/close-won").status_code == 404
    settings.DEBUG = True
    page = _text(client_a.get(PAGE))
    assert "Send these settings to the local emulator" in page
    assert "Close an opportunity as won in the emulator" in page
    settings.SALESFORCE_LOGIN_URL = "https://login.salesforce.com"
    assert "Send these settings to the local emulator" not in _text(client_a.get(PAGE))
