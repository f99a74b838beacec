"""The org-host webhook endpoint: each refusal writes nothing; good events are stored once and a
deletion or merge event changes the contact links."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from host.contracts import ConnectionResult, ExternalContact
from host.events import process_event
from host.integrations import get_connection
from host.models import ExternalLink, InboundEvent
from host.sync import apply_contacts
from plugins.hubspot import webhooks as w
from tests.conftest import host_of

SECRET = "hs-test-secret"
PORTAL = 62515
PATH = "/api/v1/integrations/hubspot/webhook"


@pytest.fixture
def hs_org(org_a, settings):
    settings.HUBSPOT_CLIENT_SECRET = SECRET
    with org_a:
        conn = get_connection("hubspot")
        conn.store_result(ConnectionResult(external_account_id=str(PORTAL), account_label="test",
                                           credentials={"access_token": "a", "refresh_token": "r",
                                                        "expires_at": int(time.time()) + 1800}))
        yield org_a


def post(org, events, *, secret=SECRET, timestamp=None, raw=None):
    body = raw if raw is not None else json.dumps(events).encode()
    ts = str(timestamp or int(time.time() * 1000))
    uri = f"http://{host_of(org)}{PATH}"
    sig = w.signature_v3(secret, "POST", uri, body, ts)
    return Client(HTTP_HOST=host_of(org)).post(
        PATH, body, content_type="application/json",
        headers={w.SIGNATURE_HEADER: sig, w.TIMESTAMP_HEADER: ts})


def ev(kind="contact.deletion", object_id=101, **extra):
    return {"eventId": 1, "subscriptionId": 2, "portalId": PORTAL, "appId": 3, "occurredAt": 1764500000000,
            "subscriptionType": kind, "attemptNumber": 0, "objectId": object_id, **extra}


def test_signed_events_are_stored_once(hs_org):
    first = post(hs_org, [ev(), ev(object_id=102)])
    assert first.status_code == 200, first.content
    assert first.json()["data"] == {"accepted": 2, "new": 2}
    again = post(hs_org, [ev(attemptNumber=1)])  # HubSpot's retry of the same event
    assert again.json()["data"] == {"accepted": 1, "new": 0}
    assert InboundEvent.objects.filter(provider="hubspot").count() == 2


@pytest.mark.parametrize("kwargs, status, code", [
    ({"secret": "wrong"}, 401, "INVALID_SIGNATURE"),
    ({"timestamp": int(time.time() * 1000) - 6 * 60 * 1000}, 401, "STALE_TIMESTAMP"),
    ({"raw": b"{not json"}, 400, "INVALID_JSON"),
    ({"events": [ev(portalId=999)]}, 403, "UNKNOWN_PORTAL"),
])
def test_refusals_store_nothing(hs_org, kwargs, status, code):
    events = kwargs.pop("events", [ev()])
    response = post(hs_org, events, **kwargs)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not InboundEvent.objects.exists()


def test_deletion_and_merge_events_update_links(hs_org):
    apply_contacts("hubspot", [ExternalContact(external_id="101", email="gone@example.com"),
                               ExternalContact(external_id="6", email="old@example.com"),
                               ExternalContact(external_id="5", email="survivor@example.com")])
    post(hs_org, [ev(object_id=101),
                  ev("contact.merge", object_id=5, primaryObjectId=5, mergedObjectIds=[6], newObjectId=5)])
    for event in InboundEvent.objects.order_by("pk"):
        process_event(event.pk)
    reasons = list(InboundEvent.objects.order_by("pk").values_list("status", "reason"))
    assert reasons[0][1].startswith("contact deleted") and reasons[1][1].startswith("contacts merged")
    assert not ExternalLink.objects.filter(provider="hubspot", external_id__in=["101", "6"]).exists()
    assert ExternalLink.objects.filter(provider="hubspot", external_id="5").count() == 1


def test_a_won_deal_event_in_manual_mode_enrolls_nobody(hs_org):
    post(hs_org, [ev("deal.propertyChange", object_id=77, propertyName="dealstage",
                     propertyValue="closedwon")])
    event = InboundEvent.objects.get()
    process_event(event.pk)
    event.refresh_from_db()
    assert (event.status, event.reason) == ("ignored", "trigger mode is manual")


def test_settings_page_renders_for_the_owner(hs_org, client_a):
    page = client_a.get("/settings/integrations/hubspot")
    assert page.status_code == 200
    text = page.content.decode()
    for words in ("Test Fields", "Create missing properties", "Sync Now", "Trigger mode", "nps_score"):
        assert words in text
