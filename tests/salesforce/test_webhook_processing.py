"""Processing stored events with a real worker: contact resolution, each ignore reason, failures,
Replay. Deliveries go over HTTP; Salesforce is the emulator."""

from __future__ import annotations

import pytest
from django.db import connection as db

from host.integrations import get_connection
from host.models import ExternalLink
from plugins.salesforce.webhooks import interpret
from tests.salesforce.conftest import KEY, org_client
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    JSON,
    envelope,
    json_event,
    live_fixture,
    wait_for,
    won,
)

pytestmark = pytest.mark.usefixtures("celery_worker")


def _contact(sf, email: str | None, first: str = "Pat") -> str:
    return sf.state.create("Contact", {"FirstName": first, "LastName": "Buyer",
                                       "Email": email})["Id"]


def _deal(sf, contact_id: str | None = None, roles: tuple = (), stage: str = "Closed Won") -> str:
    """An opportunity in Salesforce (won by default: processing re-reads it there)."""
    opp = sf.state.create("Opportunity", {"Name": "Test deal", "StageName": stage,
                                          "CloseDate": "2026-12-01", "ContactId": contact_id})
    for role_contact, primary in roles:
        sf.state.create("OpportunityContactRole", {"OpportunityId": opp["Id"],
                                                   "ContactId": role_contact,
                                                   "IsPrimary": primary})
    return opp["Id"]


def _deliver(live, opportunity_id: str, nid: str = "04l5g00000ABCDEAAA", **fields):
    response = live.post(envelope((nid, won(opportunity_id, **fields))), token=live.secret)
    assert response.status_code == 200, response.text
    return live.settle()[-1]


def test_won_opportunity_creates_one_sending_for_its_contact(live):
    contact = _contact(live.sf, "pat.buyer@example.com")
    opp = _deal(live.sf, contact_id=contact)
    event = _deliver(live, opp, ContactId=contact)
    assert (event.status, event.reason) == ("processed", "")
    assert event.result["sendings_created"] == 1
    [sending] = live.sendings(opp)
    assert sending.contact.email == "pat.buyer@example.com"
    assert (sending.source, sending.provider) == ("auto", KEY)
    with live.org:  # looked up through the API and synced as a linked contact
        assert ExternalLink.objects.get(provider=KEY, external_id=contact).contact_id == \
            sending.contact_id


def test_payload_email_only_selects_among_the_opportunitys_contacts(live):
    contact = _contact(live.sf, "in.salesforce@example.com")
    opp = _deal(live.sf, contact_id=contact)
    live.post(json_event(opp, contact_id=None, contact_email="From.Flow@Example.com"),
              headers=JSON, token=live.secret)
    assert live.settle()[0].status == "processed"
    assert [s.contact.email for s in live.sendings(opp)] == ["in.salesforce@example.com"]


def test_primary_contact_role_then_opportunity_contact(live):
    primary, other, on_opp = (_contact(live.sf, f"{n}@example.com", n)
                              for n in ("primary", "other", "onopp"))
    by_role = _deal(live.sf, contact_id=on_opp, roles=((other, False), (primary, True)))
    by_field = _deal(live.sf, contact_id=on_opp)
    _deliver(live, by_role, nid="04l5g00000ABCD1AAA")  # no ContactId sent
    _deliver(live, by_field, nid="04l5g00000ABCD2AAA")
    assert [s.contact.email for s in live.sendings(by_role)] == ["primary@example.com"]
    assert [s.contact.email for s in live.sendings(by_field)] == ["onopp@example.com"]


def test_payload_contact_without_email_falls_back_to_the_primary_role(live):
    silent, primary = _contact(live.sf, None, "silent"), _contact(live.sf, "p@example.com")
    opp = _deal(live.sf, roles=((primary, True),))
    event = _deliver(live, opp, ContactId=silent)
    assert event.status == "processed"
    assert [s.contact.email for s in live.sendings(opp)] == ["p@example.com"]


def _ignored(event, reason):
    assert (event.status, event.reason) == ("ignored", reason)


def test_ignored_when_mode_is_manual(live):
    live.configure("manual")
    _ignored(_deliver(live, _deal(live.sf)), interpret.MODE_MANUAL)
    assert live.sendings() == []


def test_ignored_when_no_sequence_is_selected(live):
    live.configure("auto", sequence=False)
    _ignored(_deliver(live, _deal(live.sf)), interpret.NO_SEQUENCE)


def test_ignored_when_the_opportunity_is_not_won(live):
    opp = _deal(live.sf, contact_id=_contact(live.sf, "x@example.com"), stage="Closed Lost")
    event = _deliver(live, opp, IsWon="false", StageName="Closed Lost")
    _ignored(event, interpret.NOT_WON)
    assert live.sendings() == []


def test_ignored_when_no_contact_has_an_email(live):
    silent = _contact(live.sf, None)
    opp = _deal(live.sf, contact_id=silent, roles=((silent, True),))
    _ignored(_deliver(live, opp), interpret.NO_CONTACT)
    _ignored(_deliver(live, _deal(live.sf), nid="04l5g00000ABCD9AAA"), interpret.NO_CONTACT)


@pytest.mark.parametrize(("state", "reason"), [("disconnected", "disconnected"),
                                               ("needs_attention", "needs reconnect")])
def test_ignored_when_disconnected_or_needing_reconnect(live, state, reason):
    with live.org:
        conn = get_connection(KEY)
        if state == "disconnected":
            conn.disconnect("test")
        else:
            conn.mark_needs_attention("Salesforce refused the refresh token.")
    db.set_schema_to_public()
    _ignored(_deliver(live, _deal(live.sf)), reason)


def test_replay_after_fixing_the_mode_creates_the_sending(live):
    opp = _deal(live.sf, contact_id=_contact(live.sf, "late@example.com"))
    live.configure("manual")
    event = _deliver(live, opp)
    _ignored(event, interpret.MODE_MANUAL)
    admin = org_client(live.org)
    page = admin.get("/settings/integrations/salesforce").content.decode()
    assert "Ignored: trigger mode is manual" in page and "Replay" in page
    response = admin.post("/settings/integrations/salesforce/trigger",
                          {"trigger_mode": "both", "sequence": live.sequence_id})
    assert response.status_code == 302
    assert admin.post(f"/settings/integrations/salesforce/events/{event.pk}/replay"
                      ).status_code == 302
    wait_for(lambda: live.events()[0].status == "processed")
    assert len(live.sendings(opp)) == 1
    assert "1 sending created" in admin.get("/settings/integrations/salesforce").content.decode()
    # a processed event is not replayable
    admin.post(f"/settings/integrations/salesforce/events/{event.pk}/replay")
    assert live.events()[0].attempts == 2 and len(live.sendings(opp)) == 1


def test_failed_enrollment_is_recorded_and_replayable(live):
    from plugins.sequences.models import Sequence

    opp = _deal(live.sf, contact_id=_contact(live.sf, "f@example.com"))
    with live.org:
        Sequence.objects.get(pk=live.sequence_id).set_status("paused")
    db.set_schema_to_public()
    event = _deliver(live, opp)
    assert event.status == "failed" and "paused" in event.reason
    page = org_client(live.org).get("/settings/integrations/salesforce").content.decode()
    assert "Failed: " in page and "is no longer active" in page
    with live.org:
        Sequence.objects.get(pk=live.sequence_id).set_status("active")
    db.set_schema_to_public()
    org_client(live.org).post(f"/settings/integrations/salesforce/events/{event.pk}/replay")
    wait_for(lambda: live.events()[0].status == "processed")
    assert len(live.sendings(opp)) == 1


def test_redelivery_after_processing_changes_nothing(live):
    opp = _deal(live.sf, contact_id=_contact(live.sf, "once@example.com"))
    _deliver(live, opp)
    for _ in range(3):
        assert live.post(envelope(("04l5g00000ABCDEAAA", won(opp))),
                         token=live.secret).status_code == 200
    [event] = live.settle()
    assert event.attempts == 1 and len(live.sendings(opp)) == 1
