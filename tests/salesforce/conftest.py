"""Salesforce plugin fixtures: the emulator over real HTTP, and the connect dance driven end to end.

The platform side runs through Django's test client (or the live ``http_server``); the Salesforce
side is the emulator on loopback, reached over real HTTP. Nothing of ours is mocked.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from devtools.salesforce_emulator import DEFAULT_REDIRECT_URI
from tests.conftest import host_of, owner_of

CLIENT_ID, SECRET = "demo-client-id", "demo-client-secret"
KEY = "salesforce"


@pytest.fixture
def sf(emulator, settings):
    """A freshly reset emulator the platform's Salesforce settings point at."""
    emulator.state.reset()
    settings.SALESFORCE_LOGIN_URL = emulator.base_url
    settings.SALESFORCE_CLIENT_ID = CLIENT_ID
    settings.SALESFORCE_CLIENT_SECRET = SECRET
    settings.SALESFORCE_REDIRECT_URI = DEFAULT_REDIRECT_URI
    return emulator


def calls(sf, name: str) -> int:
    return sf.state.call_counts()["by_endpoint"].get(name, 0)


def code_exchanges(sf) -> int:
    return calls(sf, "oauth2.token:authorization_code")


def refreshes(sf) -> int:
    return calls(sf, "oauth2.token:refresh_token")


def org_client(org) -> Client:
    client = Client(HTTP_HOST=host_of(org))
    client.force_login(owner_of(org))
    return client


def begin(client, **form) -> str:
    """Click Connect Salesforce; return the authorize URL the platform redirects to."""
    response = client.post(f"/settings/integrations/{KEY}/connect", form)
    assert response.status_code == 302, response.content
    return response["Location"]


def consent(authorize_url: str, decision: str = "allow") -> dict[str, str]:
    """The admin's browser at Salesforce: open the consent page, press Allow or Deny; return the
    query parameters of the redirect to the platform's callback."""
    page = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    base = f"{urlsplit(authorize_url).scheme}://{urlsplit(authorize_url).netloc}"
    answer = requests.post(base + "/services/oauth2/authorize", allow_redirects=False, timeout=10,
                           data={"request_id": request_id, "decision": decision})
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == DEFAULT_REDIRECT_URI
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def callback(client, org, params: dict[str, str]):
    """Salesforce's redirect to the one public callback, then the browser following the relay."""
    relay = Client(HTTP_HOST="localhost").get(f"/oauth/{KEY}/callback", params)
    if relay.status_code != 302:
        return relay
    target = urlsplit(relay["Location"])
    assert target.hostname == host_of(org)
    return client.get(target.path + "?" + target.query, follow=True)


def connect(client, org, decision: str = "allow", **form):
    """The whole dance; returns the final page (the Salesforce configure page)."""
    return callback(client, org, consent(begin(client, **form), decision))


def page_text(response) -> str:
    """The page's HTML with entities decoded (Django escapes apostrophes in messages)."""
    return html.unescape(response.content.decode())
