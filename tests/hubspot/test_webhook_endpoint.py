"""HubSpot's app webhook on the platform's (public) host, through the host's ingress: each
refusal writes nothing; good events are routed by ``portalId`` to the connected org and stored
once; an unknown portal gets the 200 HubSpot expects and is recorded for staff only; a deletion
or merge event changes the contact links."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from host.contracts import ConnectionResult, ExternalContact
from host.events import process_event
from host.integrations import get_connection
from host.links import public_base_url
from host.models import ExternalLink, InboundEvent
from host.sync import apply_contacts
from plugins.hubspot import webhooks as w
from tenants.models import UnroutedWebhookEvent
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


def post(events, *, secret=SECRET, timestamp=None, raw=None, host="localhost"):
    """As HubSpot posts: to the platform's host, signed over the exact URI and body."""
    body = raw if raw is not None else json.dumps(events).encode()
    ts = str(timestamp or int(time.time() * 1000))
    uri = f"http://{host}{PATH}"
    sig = w.signature_v3(secret, "POST", uri, body, ts)
    return Client(HTTP_HOST=host).post(
        PATH, body, content_type="application/json",
        headers={w.SIGNATURE_HEADER: sig, w.TIMESTAMP_HEADER: ts})


def stored(org) -> int:
    with org:
        return InboundEvent.objects.filter(provider="hubspot").count()


def ev(kind="contact.deletion", object_id=101, **extra):
    return {"eventId": 1, "subscriptionId": 2, "portalId": PORTAL, "appId": 3, "occurredAt": 1764500000000,
            "subscriptionType": kind, "attemptNumber": 0, "objectId": object_id, **extra}


def test_signed_events_are_routed_to_the_portals_org_and_stored_once(hs_org):
    first = post([ev(), ev(object_id=102)])
    assert first.status_code == 200, first.content
    assert first.json()["data"] == {"received": 2, "new": 2}
    again = post([ev(attemptNumber=1)])  # HubSpot's retry of the same event
    assert again.status_code == 200 and again.json()["data"]["duplicate"] is True
    assert stored(hs_org) == 2


@pytest.mark.parametrize("kwargs, status, code", [
    ({"secret": "wrong"}, 401, "INVALID_SIGNATURE"),
    ({"timestamp": int(time.time() * 1000) - 6 * 60 * 1000}, 401, "STALE_TIMESTAMP"),
    ({"raw": b"{not json"}, 400, "INVALID_JSON"),
    ({"raw": b'[{"portalId": 62515}]'}, 400, "INVALID_EVENT"),
])
def test_refusals_store_nothing(hs_org, kwargs, status, code):
    response = post([ev()], **kwargs)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert stored(hs_org) == 0 and not UnroutedWebhookEvent.objects.exists()


def test_an_unknown_portal_gets_200_and_is_recorded_for_staff_only(hs_org):
    response = post([ev(portalId=999)])
    assert response.status_code == 200, response.content  # else HubSpot retries for a day
    assert response.json()["data"] == {"received": 1, "new": 0}
    assert stored(hs_org) == 0
    row = UnroutedWebhookEvent.objects.get()
    assert (row.integration, row.external_account_id, row.reason) == ("hubspot", "999",
                                                                      "unknown account")


def test_subscriptions_the_plugin_ignores_are_acknowledged_not_stored(hs_org):
    response = post([ev("contact.propertyChange", propertyName="email")])
    assert response.status_code == 200 and response.json()["data"]["new"] == 0
    assert stored(hs_org) == 0


def test_an_org_host_does_not_serve_the_app_webhook(hs_org):
    response = post([ev()], host=host_of(hs_org))
    assert response.status_code == 404
    assert stored(hs_org) == 0


def test_deletion_and_merge_events_update_links(hs_org):
    apply_contacts("hubspot", [ExternalContact(external_id="101", email="gone@example.com"),
                               ExternalContact(external_id="6", email="old@example.com"),
                               ExternalContact(external_id="5", email="survivor@example.com")])
    post([ev(object_id=101),
          ev("contact.merge", object_id=5, primaryObjectId=5, mergedObjectIds=[6], newObjectId=5)])
    with hs_org:
        for event in InboundEvent.objects.order_by("pk"):
            process_event(event.pk)
        reasons = list(InboundEvent.objects.order_by("pk").values_list("status", "reason"))
        assert reasons[0][1].startswith("contact deleted")
        assert reasons[1][1].startswith("contacts merged")
        assert not ExternalLink.objects.filter(provider="hubspot",
                                               external_id__in=["101", "6"]).exists()
        assert ExternalLink.objects.filter(provider="hubspot", external_id="5").count() == 1


def test_a_won_deal_event_in_manual_mode_enrolls_nobody(hs_org):
    post([ev("deal.propertyChange", object_id=77, propertyName="dealstage",
                     propertyValue="closedwon")])
    with hs_org:
        event = InboundEvent.objects.get()
        process_event(event.pk)
        event.refresh_from_db()
        assert (event.status, event.reason) == ("ignored", "trigger mode is manual")


def test_settings_page_lists_the_host_sections(hs_org, client_a):
    page = client_a.get("/settings/integrations/hubspot")
    assert page.status_code == 200
    text = page.content.decode()
    for words in ("Test Fields", "Sync Now", "Trigger mode", "nps_score", "Pushback log",
                  "Webhook events", public_base_url() + PATH):
        assert words in text, words
    assert "Generate webhook secret" not in text  # APP style: the app's secret, none per org
