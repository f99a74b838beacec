"""Issue 13 §1: a webhook is a notification, not the truth.

Each test is an attack that worked before the fix (or a guard that it keeps working for the real
sender): forged events with the global secret, recipients chosen by the sender, open deals posted
as won, the fallback secret used for orgs it was never meant for, replayed or stale signatures.
Deliveries go over HTTP to the live server; processing runs in the real worker; Salesforce is the
emulator.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from django.db import connection as db

from host.integrations import get_connection
from host.models import Contact, InboundEvent
from tests.conftest import host_of
from tests.salesforce.conftest import KEY, calls, org_client, page_text
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    JSON,
    ORG_ID,
    OTHER_ORG_ID,
    PATH,
    XML,
    envelope,
    json_event,
    live_fixture,
    won,
)

pytestmark = pytest.mark.usefixtures("celery_worker")

GLOBAL = "global-fallback-secret-0123456789abcdef"
ATTACKER = "someone.else@attacker.example"
NOT_FOUND = "opportunity not found in Salesforce"
NOT_WON = "opportunity not won in Salesforce"


def _contact(sf, email: str | None, first: str = "Pat") -> str:
    return sf.state.create("Contact", {"FirstName": first, "LastName": "Buyer",
                                       "Email": email})["Id"]


def _deal(sf, stage: str = "Closed Won", contact_id: str | None = None, roles: tuple = ()) -> str:
    opp = sf.state.create("Opportunity", {"Name": "Real deal", "StageName": stage,
                                          "CloseDate": "2026-12-01", "ContactId": contact_id})
    for role_contact, primary in roles:
        sf.state.create("OpportunityContactRole", {"OpportunityId": opp["Id"],
                                                   "ContactId": role_contact, "IsPrimary": primary})
    return opp["Id"]


def _emails(live, opp=None) -> list[str]:
    return sorted(s.contact.email for s in live.sendings(opp))


@pytest.fixture
def fallback(live, settings):
    """The live org on the global fallback secret (no secret of its own)."""
    settings.SALESFORCE_WEBHOOK_SECRET = GLOBAL
    from host.webhooks import secrets

    with live.org:
        secrets.remove_org_secret(get_connection(KEY))
    db.set_schema_to_public()
    return live


# --- verify by fetch ---------------------------------------------------------------------------


def test_forged_json_with_the_global_secret_never_mails_the_attackers_address(fallback):
    real = _contact(fallback.sf, "real.buyer@example.com")
    opp = _deal(fallback.sf, roles=((real, True),))
    response = fallback.post(json_event(opp, contact_id=None, contact_email=ATTACKER),
                             headers=JSON, token=GLOBAL)
    assert response.status_code == 202, response.text
    [event] = fallback.settle()
    assert event.status == "processed", event.reason
    assert _emails(fallback) == ["real.buyer@example.com"]  # only Salesforce's own contact
    with fallback.org:
        assert not Contact.objects.filter(email=ATTACKER).exists()


def test_forged_event_for_an_opportunity_salesforce_does_not_have_is_ignored(fallback):
    response = fallback.post(json_event("0065g00000AbCdEAAA", contact_email=ATTACKER),
                             headers=JSON, token=GLOBAL)
    assert response.status_code == 202, response.text
    [event] = fallback.settle()
    assert (event.status, event.reason) == ("ignored", NOT_FOUND)
    assert fallback.sendings() == []


def test_an_open_opportunity_posted_as_won_sends_nothing(live):
    contact = _contact(live.sf, "still.open@example.com")
    opp = _deal(live.sf, stage="Negotiation/Review", contact_id=contact)
    live.post(json_event(opp, contact_id=contact, is_won=True), headers=JSON, token=live.secret)
    live.post(envelope(("04l5g00000OPEN1AAA", won(opp, contact_id=contact))), token=live.secret)
    events = live.settle()
    assert [(e.status, e.reason) for e in events] == [("ignored", NOT_WON)] * 2
    assert live.sendings() == []


def test_a_real_won_opportunity_still_sends_to_its_own_contact(live):
    contact = _contact(live.sf, "own.contact@example.com")
    opp = _deal(live.sf, contact_id=contact, roles=((contact, True),))
    response = live.post(json_event(opp, contact_id=contact, contact_email="Own.Contact@Example.com"),
                         headers=JSON, token=live.secret)
    assert response.status_code == 202
    [event] = live.settle()
    assert (event.status, event.result["sendings_created"]) == ("processed", 1)
    assert _emails(live, opp) == ["own.contact@example.com"]


def test_the_payload_only_selects_among_the_opportunitys_contacts(live):
    primary, other = (_contact(live.sf, f"{n}@example.com", n) for n in ("primary", "other"))
    stranger = _contact(live.sf, "stranger@example.com", "stranger")  # in Salesforce, not on the deal
    deals = [_deal(live.sf, roles=((other, False), (primary, True))) for _ in range(4)]
    hints = [{"contact_email": "OTHER@example.com", "contact_id": None},
             {"contact_id": other},
             {"contact_id": stranger, "contact_email": "stranger@example.com"},
             {"contact_id": None, "contact_email": ATTACKER}]
    for deal, hint in zip(deals, hints, strict=True):
        assert live.post(json_event(deal, **hint), headers=JSON,
                         token=live.secret).status_code == 202
    live.settle()
    assert [_emails(live, d) for d in deals] == [
        ["other@example.com"], ["other@example.com"], ["primary@example.com"],
        ["primary@example.com"]]


def test_hook_trigger_interpret_events__one_salesforce_query_per_batch(live):
    """Pending events of an org are interpreted together: one SOQL query for all of them."""
    from host.events import process_event

    contacts = [_contact(live.sf, f"batch{n}@example.com") for n in range(3)]
    deals = [_deal(live.sf, contact_id=c) for c in contacts]
    open_deal = _deal(live.sf, stage="Prospecting", contact_id=contacts[0])
    with live.org:
        events = [InboundEvent.objects.create(
            provider=KEY, dedupe_key=f"opp:{d}:won", kind="closed_won", payload={
                "org_id": ORG_ID, "opportunity_id": d, "is_won": True, "contact_id": "",
                "contact_email": "", "source": "json"}) for d in [*deals, open_deal]]
        before = calls(live.sf, "query")
        process_event(events[0].pk)
        assert calls(live.sf, "query") - before == 1
        for event in events:
            event.refresh_from_db()
    assert [e.status for e in events] == ["processed"] * 3 + ["ignored"]
    assert events[3].reason == NOT_WON
    assert [_emails(live, d) for d in deals] == [[f"batch{n}@example.com"] for n in range(3)]


# --- the global fallback's scope ---------------------------------------------------------------


def test_global_secret_for_another_salesforce_org_is_refused(fallback):
    for body, headers in [(json_event(org_id=OTHER_ORG_ID), JSON),
                          (envelope(("04l5g00000OTHR1AAA", won("0065g00000AbCdEAAA")),
                                    org_id=OTHER_ORG_ID), XML)]:
        response = fallback.post(body, headers=headers, token=GLOBAL)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "ORG_MISMATCH"
    assert fallback.events() == []


def test_a_15_character_org_id_must_match_exactly(fallback):
    tricks = {ORG_ID[:15].lower(), ORG_ID[:15].upper(), ORG_ID[:15].swapcase()} - {ORG_ID[:15]}
    assert tricks
    for tricked in sorted(tricks):
        response = fallback.post(json_event(org_id=tricked), headers=JSON, token=GLOBAL)
        assert response.status_code == 403, (tricked, response.text)
    assert fallback.events() == []
    assert fallback.post(json_event(org_id=ORG_ID[:15]), headers=JSON,
                         token=GLOBAL).status_code == 202


def test_global_secret_is_refused_for_an_org_not_connected_to_salesforce(fallback, committed_org):
    with fallback.org:
        get_connection(KEY).disconnect("test")
    db.set_schema_to_public()
    response = fallback.post(json_event(), headers=JSON, token=GLOBAL)
    assert response.status_code == 401, response.text
    assert fallback.events() == []
    never = committed_org("wh-never")  # never connected at all
    response = fallback.server.request("POST", host_of(never), PATH + f"?token={GLOBAL}",
                                       data=json_event(), headers=JSON)
    assert response.status_code == 401, response.text
    with never:
        assert not InboundEvent.objects.exists()


def test_an_admin_can_switch_the_global_fallback_off(fallback):
    admin = org_client(fallback.org)
    page = page_text(admin.get("/settings/integrations/salesforce"))
    assert "the global fallback" in page
    response = admin.post("/settings/integrations/salesforce/webhook-fallback", {"allow": "off"})
    assert response.status_code == 302
    page = page_text(admin.get("/settings/integrations/salesforce"))
    assert "the global fallback is switched off" in page
    assert fallback.post(json_event(), headers=JSON, token=GLOBAL).status_code == 401
    assert fallback.events() == []
    admin.post("/settings/integrations/salesforce/webhook-fallback", {"allow": "on"})
    assert fallback.post(json_event(), headers=JSON, token=GLOBAL).status_code == 202


# --- signed JSON -------------------------------------------------------------------------------


def _signed(secret: str, body: bytes, at: int | None = None) -> dict:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return {**JSON, "x-salesforce-signature": f"t={at},v1={mac}"}


@pytest.fixture
def signed(live):
    admin = org_client(live.org)
    response = admin.post("/settings/integrations/salesforce/webhook-signing", {"require": "on"})
    assert response.status_code == 302
    assert "signed JSON only" in page_text(admin.get("/settings/integrations/salesforce"))
    return live


def test_signed_json_good_signature_is_accepted_once(signed):
    body = json_event(event_id="signed-1")
    headers = _signed(signed.secret, body)
    assert signed.post(body, headers=headers).status_code == 202
    replay = signed.post(body, headers=headers)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert len(signed.events()) == 1


@pytest.mark.parametrize("attack", ["stale", "future", "unsigned", "wrong key", "tampered body",
                                    "garbage header"])
def test_signed_json_refuses_what_it_must(signed, attack):
    body = json_event(event_id=f"signed-{attack}")
    now = int(time.time())
    headers = {
        "stale": _signed(signed.secret, body, now - 301),
        "future": _signed(signed.secret, body, now + 301),
        "unsigned": {**JSON, "x-salesforce-webhook-secret": signed.secret},
        "wrong key": _signed("not-the-secret", body),
        "tampered body": _signed(signed.secret, json_event(event_id="other")),
        "garbage header": {**JSON, "x-salesforce-signature": "t=abc,v1=zz\u00e9".encode()},
    }[attack]
    response = signed.post(body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert signed.events() == []


def test_signed_json_accepts_the_previous_secret_during_its_grace_period(signed):
    from host.webhooks import secrets

    with signed.org:
        new = secrets.rotate(get_connection(KEY))
    db.set_schema_to_public()
    for n, key in enumerate((signed.secret, new)):
        body = json_event(event_id=f"grace-{n}")
        assert signed.post(body, headers=_signed(key, body)).status_code == 202
    # Outbound Messages cannot sign: they keep using the secret in the URL.
    assert signed.post(envelope(("04l5g00000SIGN1AAA", won("0065g00000AbCdEAAA"))),
                       token=new).status_code == 200
    assert len(signed.events()) == 3
