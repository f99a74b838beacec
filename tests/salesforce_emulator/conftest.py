"""Fixtures: one emulator per session over real HTTP, reset before every test."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devtools.salesforce_emulator import DEFAULT_REDIRECT_URI, start_emulator

REDIRECT = DEFAULT_REDIRECT_URI
CLIENT_ID, SECRET = "demo-client-id", "demo-client-secret"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
V = "/services/data/v59.0"


@pytest.fixture(scope="session")
def emulator():
    handle = start_emulator(port=0)
    yield handle
    handle.stop()


@pytest.fixture
def sf(emulator):
    emulator.state.reset()
    yield emulator
    emulator.state.outbound.configure(endpoint_url=None)


def authorize(sf, **params):
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT,
             "scope": "api refresh_token", "state": "st-1", "code_challenge": CHALLENGE,
             "code_challenge_method": "S256", **params}
    query = {k: v for k, v in query.items() if v is not None}
    return requests.get(sf.url("/services/oauth2/authorize"), params=query,
                        allow_redirects=False, timeout=5)


def callback_params(resp) -> dict:
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def consent(sf, decision="allow", **params):
    page = authorize(sf, **params)
    assert page.status_code == 200, page.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    return requests.post(sf.url("/services/oauth2/authorize"), allow_redirects=False, timeout=5,
                         data={"request_id": request_id, "decision": decision})


def get_code(sf, **params) -> str:
    return callback_params(consent(sf, **params))["code"]


def exchange(sf, code, **overrides):
    data = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID,
            "client_secret": SECRET, "redirect_uri": REDIRECT, "code_verifier": VERIFIER,
            **overrides}
    data = {k: v for k, v in data.items() if v is not None}
    return requests.post(sf.url("/services/oauth2/token"), data=data, timeout=5)


def refresh(sf, refresh_token, **overrides):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": CLIENT_ID, "client_secret": SECRET, **overrides}
    return requests.post(sf.url("/services/oauth2/token"),
                         data={k: v for k, v in data.items() if v is not None}, timeout=5)


@pytest.fixture
def tokens(sf) -> dict:
    resp = exchange(sf, get_code(sf))
    assert resp.status_code == 200, resp.text
    return resp.json()


class Api:
    """A tiny REST client bound to the emulator and an access token."""

    def __init__(self, sf, token):
        self.sf, self.session = sf, requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method, path, **kw):
        kw.setdefault("timeout", 10)
        return self.session.request(method, self.sf.url(path), **kw)

    def query(self, soql, all_rows=False, **kw):
        return self("GET", f"{V}/{'queryAll' if all_rows else 'query'}/", params={"q": soql},
                    **kw)


@pytest.fixture
def api(sf, tokens) -> Api:
    return Api(sf, tokens["access_token"])
