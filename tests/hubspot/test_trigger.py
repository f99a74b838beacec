"""A deal moved to a won stage enrolls its associated contacts; everything else enrolls nobody
(reference §3). Events arrive signed at the app webhook on the platform's host (the host routes
them by ``portalId``); HubSpot is the emulator."""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection
from django.test import Client

from devtools.hubspot_emulator import CLIENT_SECRET, PORTAL_ID
from host.events import process_event
from host.integrations import get_connection
from host.models import InboundEvent
from plugins.hubspot import interpret
from plugins.hubspot import webhooks as w
from plugins.sequences.models import Sending
from tests.hubspot.conftest import control
from tests.hubspot.platform import connect
from tests.sequences.factories import active_sequence

PATH = "/api/v1/integrations/hubspot/webhook"


@pytest.fixture
def auto(hs, client_a, org_a):
    connect(hs, client_a, org_a)
    with org_a:
        sequence = active_sequence(steps=(("survey", 0),))
        get_connection("hubspot").update_settings(
            lambda v: v.update(trigger_mode="both", auto_sequence_id=str(sequence.pk)))
    return org_a


def deal(hs, stage="contractsent", pipeline="default", contacts=("pat@example.com",)) -> str:
    made = [control(hs, "POST", "/contacts", json={"properties": {"email": e, "firstname": "Pat"}}).json()
            for e in contacts]
    rec = control(hs, "POST", "/deals", json={"properties": {"dealname": "D", "dealstage": stage,
                                                             "pipeline": pipeline}}).json()
    if made:
        control(hs, "POST", f"/deals/{rec['id']}/associations", json={"contacts": [c["id"] for c in made]})
    return rec["id"]


def deliver(org, deal_id, stage, occurred=1764500000000, attempt=0, kind="deal.propertyChange"):
    event = {"eventId": 7, "subscriptionId": 25, "portalId": PORTAL_ID, "appId": 1,
             "occurredAt": occurred, "subscriptionType": kind, "attemptNumber": attempt,
             "objectId": int(deal_id)}
    if kind == "deal.propertyChange":
        event.update(propertyName="dealstage", propertyValue=stage)
    body = json.dumps([event]).encode()
    ts = str(int(time.time() * 1000))
    sig = w.signature_v3(CLIENT_SECRET, "POST", f"http://localhost{PATH}", body, ts)
    response = Client(HTTP_HOST="localhost").post(
        PATH, body, content_type="application/json",
        headers={w.SIGNATURE_HEADER: sig, w.TIMESTAMP_HEADER: ts})
    assert response.status_code in (200, 202), response.content
    connection.set_tenant(org)  # the request left the public schema; the test reads the org's
    for pending in InboundEvent.objects.filter(status="pending"):
        process_event(pending.pk)
    return InboundEvent.objects.order_by("-pk").first()


def test_a_won_deal_enrolls_every_associated_contact_once(hs, auto):
    deal_id = deal(hs, contacts=("pat@example.com", "sam@example.com"))
    control(hs, "POST", f"/deals/{deal_id}/win")
    event = deliver(auto, deal_id, "closedwon")
    assert (event.status, event.reason) == ("processed", "")
    assert sorted(Sending.objects.values_list("contact__email", flat=True)) == [
        "pat@example.com", "sam@example.com"]
    assert set(Sending.objects.values_list("source", "provider")) == {("auto", "hubspot")}
    deliver(auto, deal_id, "closedwon", attempt=1)  # HubSpot's retry: the same event
    deliver(auto, deal_id, "closedwon", occurred=1764500009999)  # a later duplicate of the win
    assert Sending.objects.count() == 2


def test_a_deal_created_in_a_won_stage_is_read_and_enrolls(hs, auto):
    deal_id = deal(hs, stage="closedwon")
    event = deliver(auto, deal_id, "", kind="deal.creation")
    assert event.status == "processed" and Sending.objects.count() == 1


@pytest.mark.parametrize("stage, pipeline, event_stage, reason", [
    ("contractsent", "default", "contractsent", interpret.NOT_WON),
    ("11348547", "11348540", "11348547", interpret.NOT_WON),  # labelled "Closed won", p=0.8
    ("contractsent", "default", "closedwon", interpret.NOT_WON_IN_HUBSPOT),  # moved on since
])
def test_stages_that_are_not_won_enroll_nobody(hs, auto, stage, pipeline, event_stage, reason):
    deal_id = deal(hs, stage=stage, pipeline=pipeline)
    event = deliver(auto, deal_id, event_stage)
    assert (event.status, event.reason) == ("ignored", reason)
    assert not Sending.objects.exists()


def test_a_custom_pipeline_won_stage_enrolls(hs, auto):
    deal_id = deal(hs, stage="11348548", pipeline="11348540")
    assert deliver(auto, deal_id, "11348548").status == "processed"
    assert Sending.objects.count() == 1


def test_a_won_deal_without_a_contact_email_is_explained(hs, auto):
    deal_id = deal(hs, stage="closedwon", contacts=())
    event = deliver(auto, deal_id, "closedwon")
    assert (event.status, event.reason) == ("ignored", interpret.NO_CONTACT)
