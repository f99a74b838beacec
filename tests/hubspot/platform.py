"""Driving the platform's HubSpot side against the emulator: the connect dance, a sync run."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import requests
from django.test import Client

from host.integrations import get_connection
from tests.conftest import host_of

KEY = "hubspot"


def begin(client) -> str:
    response = client.post(f"/settings/integrations/{KEY}/connect")
    assert response.status_code == 302, response.content
    return response["Location"]


def approve(hs, authorize_url: str) -> dict[str, str]:
    """The admin's browser at HubSpot with auto-approve: the redirect's query parameters."""
    hs.state.configure(auto_approve=True)
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def callback(client, org, params: dict[str, str]):
    relay = Client(HTTP_HOST="localhost").get(f"/oauth/{KEY}/callback", params)
    assert relay.status_code == 302, relay.content
    target = urlsplit(relay["Location"])
    assert target.hostname == host_of(org)
    return client.get(target.path + "?" + target.query, follow=True)


def connect(hs, client, org):
    """The whole dance; returns the final page (the HubSpot configure page)."""
    return callback(client, org, approve(hs, begin(client)))


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def run_sync(org):
    """One sync run in-process, as the worker runs it; returns the finished run."""
    from host.sync import execute_run, start_run

    with org:
        return execute_run(start_run(KEY, trigger="manual").pk)


def connection(org):
    with org:
        return get_connection(KEY)
