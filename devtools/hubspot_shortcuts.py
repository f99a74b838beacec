"""Dev-only shortcuts to the local HubSpot emulator's control API (``/__emulator__/``).

For the HubSpot plugin's development-only buttons, offered only when ``DEBUG`` is on and
``HUBSPOT_API_URL`` is a loopback emulator: they stand in for what happens in HubSpot itself
(a deal moved to a won stage, which sends the app's signed webhook).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from django.conf import settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TIMEOUT = 10


class EmulatorUnavailable(Exception):
    pass


def _base() -> str:
    from plugins.hubspot.conf import settings as hubspot  # the plugin's own settings module

    return str(hubspot.HUBSPOT_API_URL or "").rstrip("/")


def available() -> bool:
    return bool(settings.DEBUG) and urlsplit(_base()).hostname in LOOPBACK


def _call(method: str, path: str, payload: dict | None = None) -> dict:
    url = _base() + "/__emulator__" + path
    try:
        response = requests.request(method, url, json=payload, timeout=TIMEOUT)
    except requests.RequestException:
        raise EmulatorUnavailable(f"The local HubSpot emulator at {_base()} does not answer; is "
                                  "it running (make run starts it)?") from None
    if response.status_code >= 400:
        raise EmulatorUnavailable(f"The emulator refused the request ({response.status_code}).")
    return response.json()


def configure_webhook(target_url: str) -> None:
    """The app's webhook target URL (``make run`` already sets the public host's)."""
    _call("PUT", "/webhooks", {"target_url": target_url, "paused": False})


def win_deal(portal_id: int | str | None = None) -> dict:
    """Move an open deal with an emailable contact to the won stage; the emulator then posts the
    signed ``deal.propertyChange`` webhook. Returns ``{"id", "name"}`` of the deal."""
    deal = _call("POST", "/deals/win", {"portal": portal_id} if portal_id else {})
    return {"id": deal["id"], "name": deal["properties"].get("dealname") or "Demo deal"}
