"""Shared pieces for the webhook tests (no tests here): a connected live org, payload builders,
polling. Fixtures are imported by the test_webhook_* modules."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

import pytest
from django.db import connection as db

from devtools.salesforce_emulator import EmulatorConfig
from host.integrations import get_connection
from host.models import InboundEvent
from host.webhooks import secrets
from tests.conftest import host_of
from tests.salesforce.conftest import KEY, connect, org_client
from tests.waiting import wait_for

ORG_ID = EmulatorConfig().org_id
OTHER_ORG_ID = "00D000000000001AAA"
PATH = "/api/v1/integrations/salesforce/webhook"
XML = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
JSON = {"Content-Type": "application/json"}


def envelope(*notifications: tuple[str, dict], org_id: str = ORG_ID) -> bytes:
    """An Outbound Message shaped like the reference capture; ``(notification_id, fields)``."""
    notes = "".join(
        f"<Notification><Id>{nid}</Id><sObject xsi:type=\"sf:Opportunity\" "
        f"xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">"
        + "".join(f"<sf:{k}>{v}</sf:{k}>" for k, v in sorted(values.items()))
        + "</sObject></Notification>" for nid, values in notifications)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>04k7F0000008V3hQAE</ActionId>"
        '<SessionId xsi:nil="true"/>'
        f"{notes}</notifications></soapenv:Body></soapenv:Envelope>").encode()


def won(opportunity_id: str, contact_id: str | None = None, **extra) -> dict:
    values = {"Id": opportunity_id, "Name": "Express Logistics SLA", "Amount": "120000.0",
              "IsWon": "true", "StageName": "Closed Won", **extra}
    if contact_id:
        values["ContactId"] = contact_id
    return values


def json_event(opportunity_id: str = "0065w000023STAmAAO", **overrides) -> bytes:
    body = {"org_id": ORG_ID, "opportunity_id": opportunity_id, "name": "Backpackers, Inc.",
            "amount": 45000.0, "stage": "Closed Won", "is_won": True,
            "contact_id": "0035w000035gg9GAAQ", **overrides}
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()



@dataclass
class LiveOrg:
    """A committed org connected to the emulator, served by ``http_server``."""

    org: object
    server: object
    sf: object
    secret: str = ""
    sequence_id: str = ""
    notes: list = field(default_factory=list)

    @cached_property
    def host(self) -> str:  # cached: a lookup from a client thread would leak a DB connection
        return host_of(self.org)

    def post(self, body: bytes, headers: dict | None = None, token: str | None = None,
             query: str = ""):
        path = PATH + (query or (f"?token={token}" if token else ""))
        return self.server.request("POST", self.host, path, data=body, headers=headers or XML)

    def events(self) -> list[InboundEvent]:
        with self.org:
            return list(InboundEvent.objects.filter(provider=KEY).order_by("pk"))

    def settle(self, timeout: float = 20.0) -> list[InboundEvent]:
        """Wait until no event is pending (the real worker processed them); return them all."""
        def done():
            events = self.events()
            return events if events and all(e.status != "pending" for e in events) else None
        return wait_for(done, timeout)

    def configure(self, mode: str = "both", sequence: bool = True) -> None:
        with self.org:
            conn = get_connection(KEY)
            conn.update_settings(lambda v: v.update(
                trigger_mode=mode, auto_sequence_id=self.sequence_id if sequence else ""))

    def sendings(self, reference: str | None = None) -> list:
        from plugins.sequences.models import Sending

        with self.org:
            rows = Sending.objects.select_related("contact")
            if reference is not None:
                rows = rows.filter(reference=reference)
            return list(rows)


@pytest.fixture(name="live")
def live_fixture(sf, http_server, committed_org):
    """A fresh org connected to a freshly seeded emulator, mode both + an active sequence, with
    its own webhook secret."""
    from plugins.sequences.demo import DEMO_SEQUENCE, seed_sequences
    from plugins.sequences.models import Sequence

    org = committed_org("wh")
    connect(org_client(org), org)
    sf.state.seed("demo", contacts=40, accounts=3, opportunities=8)
    live = LiveOrg(org=org, server=http_server, sf=sf)
    with org:
        seed_sequences()
        live.sequence_id = str(Sequence.objects.get(name=DEMO_SEQUENCE).pk)
        live.secret = secrets.rotate(get_connection(KEY))
    live.configure("both")
    assert live.host
    db.set_schema_to_public()
    return live
