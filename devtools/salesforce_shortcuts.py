"""Dev-only shortcuts to the local Salesforce emulator's control API (``/__emulator__/``).

Offered only when ``DEBUG`` is on and ``SALESFORCE_LOGIN_URL`` is a loopback emulator: they stand
in for the steps an admin does in Salesforce Setup (paste the webhook URL into an Outbound
Message) and in Salesforce itself (close an opportunity as won).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import requests
from django.conf import settings
from simple_salesforce.format import format_soql

from plugins.salesforce.conf import settings as salesforce_settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TIMEOUT = 5


class EmulatorUnavailable(Exception):
    pass


def available() -> bool:
    return bool(settings.DEBUG) and urlsplit(salesforce_settings.SALESFORCE_LOGIN_URL).hostname in LOOPBACK


def _call(method: str, path: str, payload: dict | None = None) -> dict:
    url = salesforce_settings.SALESFORCE_LOGIN_URL.rstrip("/") + "/__emulator__" + path
    try:
        response = requests.request(method, url, json=payload, timeout=TIMEOUT)
    except requests.RequestException:
        raise EmulatorUnavailable(f"The local emulator at {salesforce_settings.SALESFORCE_LOGIN_URL} does "
                                  "not answer; is it running (make run starts it)?") from None
    if response.status_code >= 400:
        raise EmulatorUnavailable(f"The emulator refused the request ({response.status_code}).")
    return response.json()


def _query(soql: str) -> list[dict]:
    return _call("POST", "/query", {"q": soql})["records"]


def configure_outbound(endpoint_url: str) -> None:
    """What the admin does in Setup → Outbound Messages: set the endpoint URL (with ?token=)."""
    _call("PUT", "/outbound", {"endpoint_url": endpoint_url, "paused": False})


def close_won() -> dict:
    """Close an open opportunity whose contact has an email as won (creating one if none is
    left); the emulator then sends its Outbound Message. Returns the opportunity."""
    open_deals = _query("SELECT Id, Name, ContactId FROM Opportunity "
                        "WHERE IsClosed = false AND ContactId != null ORDER BY Name")
    ids = [d["ContactId"] for d in open_deals]
    with_email = {c["Id"] for c in _query(format_soql(
        "SELECT Id FROM Contact WHERE Email != null AND Id IN {}", ids))} if ids else set()
    deal = next((d for d in open_deals if d["ContactId"] in with_email), None)
    if deal is None:
        contacts = _query("SELECT Id FROM Contact WHERE Email != null ORDER BY Name LIMIT 1")
        if not contacts:
            raise EmulatorUnavailable("The emulator has no contact with an email; seed it first.")
        deal = _call("POST", "/records/Opportunity", {
            "Name": "Demo deal", "StageName": "Negotiation/Review",
            "CloseDate": date.today().isoformat(), "ContactId": contacts[0]["Id"]})
    _call("PATCH", f"/records/Opportunity/{deal['Id']}", {"StageName": "Closed Won"})
    return {"Id": deal["Id"], "Name": deal.get("Name") or "Demo deal"}
