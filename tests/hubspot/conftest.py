"""HubSpot fixtures: the session's emulator (root ``hubspot_emulator``) reset for each test, the
platform's HubSpot settings pointed at it, and small helpers that speak plain HTTP to it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devtools.hubspot_emulator import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_REDIRECT_URI,
    REQUIRED_SCOPES,
)

SCOPE = " ".join(REQUIRED_SCOPES)


@pytest.fixture
def hs(hubspot_emulator, settings):
    """A freshly reset emulator (one empty portal, no tokens, no counters, webhooks to nowhere)
    that the platform's HubSpot settings point at."""
    hubspot_emulator.state.reset()
    settings.HUBSPOT_API_URL = settings.HUBSPOT_AUTH_URL = hubspot_emulator.base_url
    settings.HUBSPOT_CLIENT_ID = CLIENT_ID
    settings.HUBSPOT_CLIENT_SECRET = CLIENT_SECRET
    settings.HUBSPOT_REDIRECT_URI = DEFAULT_REDIRECT_URI
    yield hubspot_emulator
    hubspot_emulator.state.webhooks.configure(target_url=None)


def control(hs, method: str, path: str, **kw) -> requests.Response:
    """Call the control API (``/__emulator__/...``)."""
    return requests.request(method, hs.url("/__emulator__" + path), timeout=30, **kw)


def authorize(hs, **params) -> requests.Response:
    query = {"client_id": CLIENT_ID, "redirect_uri": DEFAULT_REDIRECT_URI, "scope": SCOPE,
             "state": "st-1", **params}
    return requests.get(hs.url("/oauth/authorize"), allow_redirects=False, timeout=5,
                        params={k: v for k, v in query.items() if v is not None})


def callback_params(resp: requests.Response) -> dict:
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    assert location.startswith(DEFAULT_REDIRECT_URI + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(hs, **params) -> str:
    hs.state.configure(auto_approve=True)
    return callback_params(authorize(hs, **params))["code"]


def token_call(hs, path: str = "/oauth/2026-03/token", **form) -> requests.Response:
    data = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **form}
    return requests.post(hs.url(path), data={k: v for k, v in data.items() if v is not None},
                         timeout=5)


def exchange(hs, code: str, **overrides) -> requests.Response:
    form = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": DEFAULT_REDIRECT_URI, **overrides}
    return token_call(hs, **form)


def token_calls(hs, grant: str) -> int:
    """Token endpoint calls with this grant type, over every path version."""
    return sum(n for name, n in hs.state.counts()["by_endpoint"].items()
               if name.endswith(f"/token:{grant}"))


@pytest.fixture
def tokens(hs) -> dict:
    resp = exchange(hs, get_code(hs))
    assert resp.status_code == 200, resp.text
    return resp.json()


class Api:
    """A tiny HubSpot client bound to the emulator and an access token."""

    def __init__(self, hs, token: str):
        self.hs, self.session = hs, requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.hs.url(path), **kw)

    def search(self, body: dict, obj: str = "contacts") -> requests.Response:
        return self("POST", f"/crm/objects/2026-03/{obj}/search", json=body)


@pytest.fixture
def api(hs, tokens) -> Api:
    return Api(hs, tokens["access_token"])
