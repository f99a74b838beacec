"""Outbound Message delivery to a tiny local SOAP receiver: envelope, Ack, retries, modes."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from defusedxml import ElementTree

from .conftest import V

ACK = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv='
       '"http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse '
       'xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>'
       '</soapenv:Body></soapenv:Envelope>')
NS = {"soap": "http://schemas.xmlsoap.org/soap/envelope/",
      "om": "http://soap.sforce.com/2005/09/outbound",
      "sf": "urn:sobject.enterprise.soap.sforce.com",
      "xsi": "http://www.w3.org/2001/XMLSchema-instance"}


class Receiver:
    """Records every POST and answers from a script of (status, body), then with an Ack."""

    def __init__(self):
        self.requests, self.script = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                status, text = receiver.script.pop(0) if receiver.script else (200, ACK)
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def notification_ids(self, index):
        root = ElementTree.fromstring(self.requests[index][2])
        return [n.findtext("om:Id", namespaces=NS) for n in root.iter(f"{{{NS['om']}}}Notification")]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def outbound(sf, receiver):
    sf.state.outbound.configure(endpoint_url=receiver.url + "/hooks/om?token=s3cret",
                                retry_base_seconds=0.05, retry_max_seconds=0.2)
    return sf.state.outbound


def _opportunity(sf, stage="Prospecting"):
    account = sf.state.create("Account", {"Name": "Acme"})["Id"]
    contact = sf.state.create("Contact", {"LastName": "Buyer", "AccountId": account})["Id"]
    return sf.state.create("Opportunity", {
        "Name": "Express Logistics SLA", "StageName": stage, "Amount": 120000,
        "CloseDate": "2024-04-03", "AccountId": account, "ContactId": contact})["Id"]


def test_closed_won_delivers_exact_envelope_and_retries_until_ack(sf, receiver, outbound):
    opp = _opportunity(sf)
    assert outbound.deliveries() == []
    receiver.script = [(500, "boom"), (200, "<ok/>")]
    resp = requests.patch(sf.url(f"/__emulator__/records/Opportunity/{opp}"), timeout=5,
                          json={"StageName": "Closed Won"})
    assert resp.json()["IsWon"] is True
    assert outbound.wait_settled(5)
    assert len(receiver.requests) == 3
    assert {tuple(receiver.notification_ids(i)) for i in range(3)} == {
        tuple(receiver.notification_ids(0))}  # same notification id on every retry
    path, headers, body = receiver.requests[-1]
    assert path == "/hooks/om?token=s3cret"
    assert headers["Content-Type"] == "text/xml; charset=utf-8" and headers["SOAPAction"] == '""'
    root = ElementTree.fromstring(body)
    assert root.tag == f"{{{NS['soap']}}}Envelope"
    note = root.find("soap:Body/om:notifications", NS)
    cfg, org15 = sf.state.config, sf.state.config.org_id[:15]
    assert note.findtext("om:OrganizationId", namespaces=NS) == cfg.org_id
    action = note.findtext("om:ActionId", namespaces=NS)
    assert action.startswith("04k") and len(action) == 18
    session = note.find("om:SessionId", NS)
    assert session.get(f"{{{NS['xsi']}}}nil") == "true" and not session.text
    assert note.findtext("om:EnterpriseUrl", namespaces=NS) == \
        f"{sf.base_url}/services/Soap/c/59.0/{org15}"
    assert note.findtext("om:PartnerUrl", namespaces=NS) == \
        f"{sf.base_url}/services/Soap/u/59.0/{org15}"
    notification = note.find("om:Notification", NS)
    assert notification.findtext("om:Id", namespaces=NS).startswith("04l")
    sobject = notification.find("om:sObject", NS)
    assert sobject.get(f"{{{NS['xsi']}}}type") == "sf:Opportunity"
    names = [child.tag.split("}")[1] for child in sobject]
    assert names == sorted(names) and "Id" in names
    values = {child.tag.split("}")[1]: child.text for child in sobject}
    rec = sf.state.get("Opportunity", opp)
    assert values["Id"] == opp and values["IsWon"] == "true" and values["Amount"] == "120000.0"
    assert values["CloseDate"] == "2024-04-03" and values["ContactId"] == rec["ContactId"]
    assert values["StageName"] == "Closed Won"
    assert values["SystemModstamp"] == rec["SystemModstamp"].replace(".000+0000", ".000Z")
    status = outbound.deliveries()[0]
    assert status["attempts"] == 3 and status["delivered"] and status["last_error"] is None
    sf.state.update("Opportunity", opp, {"Amount": 1})  # still won: no new notification
    assert len(outbound.deliveries()) == 1


def test_rest_patch_to_closed_won_fires_and_status_endpoint(sf, receiver, outbound, api):
    opp = _opportunity(sf)
    resp = api("PATCH", f"{V}/sobjects/Opportunity/{opp}", json={"StageName": "Closed Won"})
    assert resp.status_code == 204 and outbound.wait_settled(5)
    status = requests.get(sf.url("/__emulator__/outbound/deliveries"), timeout=5).json()
    assert len(status) == 1 and status[0]["opportunity_id"] == opp and status[0]["delivered"]


def test_duplicate_delivery_and_fire_now(sf, receiver, outbound):
    opp = _opportunity(sf)
    outbound.configure(duplicate_delivery=True)
    fired = requests.post(sf.url("/__emulator__/outbound/fire"), json={"opportunity_id": opp},
                          timeout=5).json()
    assert fired["notification_id"].startswith("04l")
    assert outbound.wait_settled(5)
    sent = [receiver.notification_ids(i) for i in range(len(receiver.requests))]
    assert sent == [[fired["notification_id"]]] * 2
    assert outbound.deliveries()[0]["deliveries"] == 2


def test_batching_and_out_of_order(sf, receiver, outbound):
    opps = [_opportunity(sf) for _ in range(3)]
    outbound.configure(paused=True)
    for opp in opps:
        sf.state.update("Opportunity", opp, {"StageName": "Closed Won"})
    ids = [d["id"] for d in outbound.deliveries()]
    outbound.configure(paused=False)
    assert outbound.wait_settled(5)
    assert len(receiver.requests) == 1 and receiver.notification_ids(0) == ids
    later = [_opportunity(sf) for _ in range(2)]
    outbound.configure(paused=True, out_of_order=True)
    new_ids = [sf.state.fire_outbound(opp) for opp in later]
    outbound.configure(paused=False)
    assert outbound.wait_settled(5)
    assert [receiver.notification_ids(i) for i in (1, 2)] == [[new_ids[1]], [new_ids[0]]]


def test_session_id_is_a_usable_token_and_ttl_drops(sf, receiver, outbound):
    opp = _opportunity(sf, stage="Closed Won")  # created already won: fires too
    outbound.configure(send_session_id=True)
    assert outbound.wait_settled(5)
    root = ElementTree.fromstring(receiver.requests[0][2])
    session = root.find(".//om:SessionId", NS).text
    assert session.startswith(sf.state.config.org_id[:15] + "!")
    api = requests.get(sf.url(V + "/limits"), headers={"Authorization": f"Bearer {session}"},
                       timeout=5)
    assert api.status_code == 200
    receiver.script = [(500, "down")] * 100
    outbound.configure(ttl_seconds=0.3)
    sf.state.fire_outbound(opp)
    assert outbound.wait_settled(5)
    dropped = outbound.deliveries()[-1]
    assert dropped["dropped"] and not dropped["delivered"] and dropped["attempts"] >= 2
    assert "HTTP 500" in dropped["last_error"]
