"""The HubSpot emulator's trigger side over plain HTTP: pipelines and their won metadata, deals
and deal->contact associations (v4 and date-based paths), and signed app webhooks (v3 with the
reference's test vectors, duplicates, retries, stale timestamps, bad signatures)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devtools.hubspot_emulator import APP_ID, CLIENT_SECRET, PORTAL_ID
from devtools.hubspot_emulator import signature as sig
from tests.hubspot.conftest import control

VECTOR_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
VECTOR_URL = "https://www.example.com/webhook_uri"


def test_signatures_match_hubspots_published_vectors():
    single = b"{'example_field':'example_value'}"
    double = b'{"example_field":"example_value"}'
    assert sig.v1(VECTOR_SECRET, single) == (
        "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750")
    assert sig.v2(VECTOR_SECRET, "POST", VECTOR_URL, single) == (
        "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383")
    assert sig.v2(VECTOR_SECRET, "GET", VECTOR_URL, b"") == (
        "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e")
    assert sig.v2(VECTOR_SECRET, "POST", VECTOR_URL, double) == (
        "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900")
    assert sig.v3(VECTOR_SECRET, "POST", VECTOR_URL, single, "1693657560000") == (
        "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=")


def test_pipelines_mark_won_by_metadata_not_label(hs, api):
    body = api("GET", "/crm/pipelines/2026-03/deals").json()
    default, custom = body["results"]
    stages = {s["id"]: s for s in default["stages"]}
    assert [s["id"] for s in default["stages"]] == [
        "appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
        "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"]
    assert stages["closedwon"]["metadata"] == {"isClosed": "true", "probability": "1.0"}
    assert stages["closedlost"]["metadata"] == {"isClosed": "true", "probability": "0.0"}
    labelled = next(s for s in custom["stages"] if s["label"] == "Closed won")
    assert labelled["id"].isdigit() and labelled["metadata"]["probability"] == "0.8"
    assert api("GET", "/crm/v3/pipelines/deals/default").json()["label"] == "Sales Pipeline"


@pytest.fixture
def deal(hs):
    seeded = control(hs, "POST", "/seed", json={"dataset": "contacts", "contacts": 3}).json()
    first = int(seeded["first_id"])
    made = control(hs, "POST", "/deals", json={"properties": {
        "dealname": "Annual plan", "dealstage": "contractsent", "pipeline": "default"}}).json()
    linked = control(hs, "POST", f"/deals/{made['id']}/associations",
                     json={"contacts": [first, first + 2], "label": "Decision maker"})
    assert linked.status_code == 200
    return {"id": made["id"], "contacts": [first, first + 2]}


def test_deal_associations_on_both_path_styles(hs, api, deal):
    for path in (f"/crm/v4/objects/deals/{deal['id']}/associations/contacts",
                 f"/crm/objects/2026-03/deals/{deal['id']}/associations/contacts"):
        body = api("GET", path).json()
        assert [r["toObjectId"] for r in body["results"]] == deal["contacts"]
        types = body["results"][0]["associationTypes"]
        assert {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None} in types
        assert any(t["label"] == "Decision maker" for t in types)
    paged = api("GET", f"/crm/v4/objects/deals/{deal['id']}/associations/contacts",
                params={"limit": 1}).json()
    assert len(paged["results"]) == 1 and paged["paging"]["next"]["after"]
    batch = api("POST", "/crm/associations/2026-03/deals/contacts/batch/read",
                json={"inputs": [{"id": deal["id"]}, {"id": "1"}]})
    assert batch.status_code == 207
    assert batch.json()["results"][0]["from"] == {"id": deal["id"]}
    with_assoc = api("GET", f"/crm/objects/2026-03/deals/{deal['id']}",
                     params={"properties": "dealstage,pipeline", "associations": "contacts"})
    assert with_assoc.json()["properties"]["dealstage"] == "contractsent"
    assert [a["id"] for a in with_assoc.json()["associations"]["contacts"]["results"]] == [
        str(c) for c in deal["contacts"]]


class _Receiver:
    """A tiny HTTP server standing in for the platform's webhook URL."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answers to give, in order (then 204)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/integrations/hubspot/webhook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def wait_for(self, n: int, timeout: float = 10) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.requests

    def valid_v3(self, req: dict, secret: str = CLIENT_SECRET) -> bool:
        h = req["headers"]
        want = sig.v3(secret, "POST", self.url, req["body"], h["X-HubSpot-Request-Timestamp"])
        return want == h["X-HubSpot-Signature-v3"]


@pytest.fixture
def receiver(hs):
    rx = _Receiver()
    hs.state.webhooks.configure(target_url=rx.url, retry_base_seconds=0.05,
                                batch_window_seconds=0.05)
    yield rx
    rx.server.shutdown()
    rx.server.server_close()


def test_winning_a_deal_posts_a_signed_dealstage_event(hs, deal, receiver):
    assert hs.state.webhooks.wait_settled(5)  # the deal.creation event of the fixture
    receiver.requests.clear()
    won = control(hs, "POST", f"/deals/{deal['id']}/win")
    assert won.json()["properties"]["dealstage"] == "closedwon"
    [req] = receiver.wait_for(1)
    assert req["headers"]["Content-Type"] == "application/json"
    assert req["headers"]["X-HubSpot-Signature-Version"] == "v1"
    assert receiver.valid_v3(req)
    assert sig.v1(CLIENT_SECRET, req["body"]) == req["headers"]["X-HubSpot-Signature"]
    ts = int(req["headers"]["X-HubSpot-Request-Timestamp"])
    assert abs(time.time() * 1000 - ts) < 60_000
    [event] = json.loads(req["body"])
    assert event["subscriptionType"] == "deal.propertyChange"
    assert (event["portalId"], event["appId"], event["objectId"]) == (
        PORTAL_ID, APP_ID, int(deal["id"]))
    assert (event["propertyName"], event["propertyValue"]) == ("dealstage", "closedwon")
    assert event["attemptNumber"] == 0 and isinstance(event["eventId"], int)
    assert hs.state.webhooks.wait_settled(5)


def test_failed_deliveries_are_retried_with_a_growing_attempt_number(hs, deal, receiver):
    assert hs.state.webhooks.wait_settled(5)
    receiver.requests.clear()
    receiver.statuses = [500, 503]
    control(hs, "PATCH", f"/deals/{deal['id']}", json={"properties": {"dealstage": "closedwon"}})
    reqs = receiver.wait_for(3)
    assert [json.loads(r["body"])[0]["attemptNumber"] for r in reqs] == [0, 1, 2]
    assert all(receiver.valid_v3(r) for r in reqs)
    log = control(hs, "POST", "/webhooks/deliveries", json={"timeout": 5}).json()
    assert log["settled"] and log["deliveries"][-1]["delivered"]
    assert [h["status"] for h in log["deliveries"][-1]["history"]] == [500, 503, 204]


def test_send_control_duplicates_stale_and_bad_signature_modes(hs, receiver):
    event = {"subscriptionType": "deal.propertyChange", "objectId": 1246965,
             "propertyName": "dealstage", "propertyValue": "closedwon"}
    dup = control(hs, "POST", "/webhooks/send", json={"events": [event], "duplicate": True})
    assert dup.json()["delivered"] and dup.json()["requests"] == 2
    first, second = receiver.requests
    assert first["body"] == second["body"] and receiver.valid_v3(second)

    control(hs, "POST", "/webhooks/send", json={"events": [event], "stale_timestamp": True,
                                                "retry": False})
    stale = receiver.requests[-1]
    assert receiver.valid_v3(stale)  # correctly signed, just too old
    age = time.time() * 1000 - int(stale["headers"]["X-HubSpot-Request-Timestamp"])
    assert age > 5 * 60 * 1000

    control(hs, "POST", "/webhooks/send", json={"events": [event], "bad_signature": True,
                                                "retry": False})
    assert not receiver.valid_v3(receiver.requests[-1])

    unknown = control(hs, "POST", "/webhooks/send", json={
        "events": [{**event, "portalId": 999}], "retry": False})
    assert json.loads(receiver.requests[-1]["body"])[0]["portalId"] == 999
    assert unknown.json()["history"][0]["status"] == 204


def test_events_are_batched_up_to_100_per_request(hs, receiver):
    hs.state.webhooks.configure(paused=True)
    seeded = control(hs, "POST", "/seed", json={"dataset": "contacts", "contacts": 150}).json()
    first = int(seeded["first_id"])
    for i in range(150):
        control(hs, "DELETE", f"/contacts/{first + i}")
    hs.state.webhooks.configure(paused=False)
    assert hs.state.webhooks.wait_settled(10)
    reqs = receiver.requests
    sizes = [len(json.loads(r["body"])) for r in reqs]
    assert sizes[0] == 100 and max(sizes) == 100 and sum(sizes) == 150
    kinds = {e["subscriptionType"] for r in reqs for e in json.loads(r["body"])}
    assert kinds == {"contact.deletion"}


def test_merge_restore_and_unsubscribed_changes(hs, receiver):
    seeded = control(hs, "POST", "/seed", json={"dataset": "contacts", "contacts": 2}).json()
    a, b = int(seeded["first_id"]), int(seeded["first_id"]) + 1
    control(hs, "PATCH", f"/contacts/{a}", json={"properties": {"firstname": "Ignored"}})
    control(hs, "POST", "/contacts/merge", json={"primary": a, "merged": [b]})
    reqs = receiver.wait_for(1)
    [merge] = [e for r in reqs for e in json.loads(r["body"])]
    assert merge["subscriptionType"] == "contact.merge"
    assert (merge["primaryObjectId"], merge["mergedObjectIds"], merge["newObjectId"]) == (
        a, [b], a)


def test_the_dev_shortcut_wins_a_deal_with_an_emailable_contact(hs, receiver, settings):
    from devtools import hubspot_shortcuts

    settings.DEBUG = True
    assert hubspot_shortcuts.available()
    control(hs, "POST", "/seed", json={"dataset": "demo", "contacts": 5, "deals": 2})
    assert hs.state.webhooks.wait_settled(5)
    receiver.requests.clear()
    won = hubspot_shortcuts.win_deal()
    deal = control(hs, "GET", f"/deals/{won['id']}").json()
    assert deal["properties"]["dealstage"] == "closedwon" and deal["contacts"]
    [req] = receiver.wait_for(1)
    assert json.loads(req["body"])[0]["objectId"] == int(won["id"])
    settings.DEBUG = False
    assert not hubspot_shortcuts.available()
