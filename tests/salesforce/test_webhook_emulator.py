"""The emulator's Outbound Message for a Closed Won opportunity, end to end with a real worker:
delivery to the org's *.localhost URL, retries until the Ack, duplicates, out-of-order."""

from __future__ import annotations

import pytest
import requests
from django.test import Client

from devtools.salesforce_emulator.outbound import loopback_target
from tests.conftest import owner_of
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    PATH,
    live_fixture,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("celery_worker")


def _open_deal(sf, email: str) -> str:
    contact = sf.state.create("Contact", {"LastName": "Won", "Email": email})["Id"]
    return sf.state.create("Opportunity", {"Name": f"Deal for {email}", "StageName": "Prospecting",
                                           "CloseDate": "2026-12-01", "ContactId": contact})["Id"]


def _close_won(sf, opportunity_id: str) -> None:
    response = requests.patch(sf.url(f"/__emulator__/records/Opportunity/{opportunity_id}"),
                              json={"StageName": "Closed Won"}, timeout=10)
    assert response.status_code == 200, response.text


def _outbound(sf, **config) -> None:
    response = requests.put(sf.url("/__emulator__/outbound"), json=config, timeout=10)
    assert response.status_code == 200, response.text


def test_loopback_target_keeps_the_host_header():
    assert loopback_target("http://org-x.localhost:8123/p?token=a") == (
        "http://127.0.0.1:8123/p?token=a", "org-x.localhost:8123")
    assert loopback_target("https://hooks.example.com/p") == ("https://hooks.example.com/p", "")


def test_closed_won_in_salesforce_creates_exactly_one_sending(live):
    endpoint = f"http://{live.host}:{live.server.port}{PATH}?token={live.secret}"
    _outbound(live.sf, endpoint_url=endpoint, duplicate_delivery=True, out_of_order=True,
              retry_base_seconds=0.1)
    deals = [_open_deal(live.sf, f"buyer{n}@example.com") for n in range(3)]
    for deal in deals:
        _close_won(live.sf, deal)
    assert live.sf.state.outbound.wait_settled(timeout=20)
    deliveries = live.sf.state.outbound.deliveries()
    assert all(d["delivered"] and d["deliveries"] == 2 for d in deliveries)  # each sent twice
    events = wait_for(lambda: len(live.events()) == 3 and live.settle())
    assert {e.payload["opportunity_id"] for e in events} == set(deals)
    assert all(e.status == "processed" for e in events)
    for deal in deals:
        assert len(live.sendings(deal)) == 1


def test_the_emulator_retries_until_it_gets_the_ack(live):
    base = f"http://{live.host}:{live.server.port}{PATH}"
    _outbound(live.sf, endpoint_url=base + "?token=wrong", retry_base_seconds=0.1)
    deal = _open_deal(live.sf, "patient@example.com")
    _close_won(live.sf, deal)
    wait_for(lambda: live.sf.state.outbound.deliveries()[0]["attempts"] >= 2)
    assert live.sf.state.outbound.deliveries()[0]["last_status"] == 401
    assert live.events() == []  # refused deliveries leave nothing behind
    _outbound(live.sf, endpoint_url=base + f"?token={live.secret}")  # the admin fixes the URL
    assert live.sf.state.outbound.wait_settled(timeout=20)
    live.settle()
    assert len(live.sendings(deal)) == 1


def test_demo_buttons_connect_the_emulator_and_close_a_deal(live, settings):
    """The demo: the dev-only buttons send the webhook URL to the emulator and close a deal."""
    settings.DEBUG = True
    # The org's public URL (host.links), as `make run` configures it for its own port.
    settings.ORG_URL_SCHEME, settings.ORG_URL_PORT = "http", str(live.server.port)
    admin = Client(HTTP_HOST=f"{live.host}:{live.server.port}")  # as the browser addresses it
    admin.force_login(owner_of(live.org))
    response = admin.post("/settings/integrations/salesforce/emulator/outbound", follow=True)
    assert "The local emulator now sends its Outbound Messages" in response.content.decode()
    configured = requests.get(live.sf.url("/__emulator__/outbound"), timeout=10).json()
    assert configured["endpoint_url"].startswith(
        f"http://{live.host}:{live.server.port}{PATH}?token=")
    response = admin.post("/settings/integrations/salesforce/emulator/close-won", follow=True)
    assert "as won in the emulator" in response.content.decode()
    assert live.sf.state.outbound.wait_settled(timeout=20)
    [event] = live.settle()
    assert event.status == "processed", event.reason
    assert len(live.sendings(event.payload["opportunity_id"])) == 1
    page = admin.get("/settings/integrations/salesforce").content.decode()
    assert "1 sending created" in page
