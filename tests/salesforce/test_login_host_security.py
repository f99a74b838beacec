"""An org admin must never make the platform contact a host of their choosing (issue 13 §2).

The attack: My Domain ``http://127.0.0.1:<port>`` made the server POST the platform's client
secret, the code and the verifier there, and the error told the admin whether the port was open.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from host.integrations import get_connection
from plugins.salesforce import login_hosts, oauth
from tenants.models import OAuthState
from tests.salesforce.conftest import KEY, connect, page_text


def _listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


def _connections_received(sock, during) -> tuple[int, object]:
    """Run ``during`` (Django needs it on this thread: the test's transaction) while a thread
    accepts on ``sock``; return the connections ``sock`` received meanwhile and the result."""
    received, stop = [], threading.Event()
    sock.settimeout(0.2)

    def accept():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            received.append(1)
            conn.close()  # answer nothing: the platform sees a dropped connection

    watcher = threading.Thread(target=accept, daemon=True)
    watcher.start()
    try:
        result = during()
    finally:
        stop.set()
        watcher.join(5)
    return len(received), result


def _try_my_domain(client, org, my_domain: str):
    """Submit the Connect form; if the platform accepts the host, play Salesforce's redirect back
    with a made-up code so the platform redeems it (that is when it would contact the host)."""
    response = client.post(f"/settings/integrations/{KEY}/connect",
                           {"login_host": "custom", "my_domain": my_domain})
    if response.status_code == 302 and "state=" in response["Location"]:
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        relay = Client(HTTP_HOST="localhost").get(f"/oauth/{KEY}/callback",
                                                  {"code": "attacker-code", "state": state})
        if relay.status_code == 302:
            target = urlsplit(relay["Location"])
            client.get(target.path + "?" + target.query, follow=True)
    return client.post(f"/settings/integrations/{KEY}/connect",
                       {"login_host": "custom", "my_domain": my_domain}, follow=True)


def test_an_admin_entered_loopback_host_is_a_form_error_and_is_never_contacted(sf, client_a,
                                                                               org_a):
    sock = _listener()
    port = sock.getsockname()[1]
    try:
        received, response = _connections_received(
            sock, lambda: _try_my_domain(client_a, org_a, f"http://127.0.0.1:{port}"))
    finally:
        sock.close()
    assert received == 0
    assert "My Domain address must start with https://" in page_text(response)
    assert not OAuthState.objects.filter(organization=org_a).exists()
    with org_a:
        assert get_connection(KEY).settings.get("my_domain", "") == ""


def test_the_error_does_not_say_whether_a_port_is_open(sf, client_a, org_a):
    sock = _listener()
    open_port = sock.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    emulator_port = urlsplit(sf.base_url).port  # even the operator's own emulator
    try:
        messages = []
        for port in (open_port, closed_port, emulator_port):
            response = client_a.post(f"/settings/integrations/{KEY}/connect",
                                     {"login_host": "custom",
                                      "my_domain": f"http://127.0.0.1:{port}"}, follow=True)
            page = page_text(response).replace(str(port), "PORT")
            messages.append(re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', page, re.S))
    finally:
        sock.close()
    assert messages[0] and messages[0] == messages[1] == messages[2]
    assert sf.state.call_counts()["total"] == 0


@pytest.mark.parametrize("typed", [
    "http://127.0.0.1:8765",
    "http://localhost",
    "https://127.0.0.1",
    "https://localhost:8443",
    "https://acme.my.salesforce.com:8443",
    "https://acme.my.salesforce.com:443",
    "https://user:pw@acme.my.salesforce.com",
    "https://acme.my.salesforce.com?next=x",
    "https://acme.my.salesforce.com#x",
    "https://acme.my.salesforce.com/services/oauth2",
    "acme.my.salesforce.com:8443",
    "acme.my.salesforce.com/x",
    "acme.my.salesforce.com.evil.example",
    "acme.my.site.com",
    "evil.example",
    "ftp://acme.my.salesforce.com",
])
def test_my_domain_refuses_anything_but_a_bare_https_salesforce_domain(typed):
    with pytest.raises(login_hosts.LoginHostError):
        login_hosts.normalize_my_domain(typed)


@pytest.mark.parametrize("typed, expected", [
    ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
    ("https://acme--uat.sandbox.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com"),
    ("agency.my.salesforce.mil", "https://agency.my.salesforce.mil"),
    ("acme.my.sfcrmproducts.cn", "https://acme.my.sfcrmproducts.cn"),
])
def test_documented_salesforce_domains_are_accepted(typed, expected):
    assert login_hosts.normalize_my_domain(typed) == expected


def test_instance_and_identity_urls_from_a_token_follow_the_same_rule(sf):
    good = {"access_token": "a", "refresh_token": "r", "id": f"{sf.base_url}/id/00D/005",
            "instance_url": sf.base_url}
    assert oauth.credentials_from(good, sf.base_url)["instance_url"] == sf.base_url
    assert oauth.credentials_from({**good, "instance_url": "https://acme.my.salesforce.com"},
                                  sf.base_url)["instance_url"] == "https://acme.my.salesforce.com"
    for bad in ("http://127.0.0.1:1", "https://evil.example", "https://acme.my.salesforce.com:8443",
                "http://acme.my.salesforce.com", "https://u:p@acme.my.salesforce.com"):
        with pytest.raises(oauth.TokenEndpointError):
            oauth.credentials_from({**good, "instance_url": bad}, sf.base_url)
        with pytest.raises(oauth.TokenEndpointError):
            oauth.fetch_identity({**good, "id": bad + "/id/00D/005"})


def test_no_process_wide_insecure_transport_switch(sf, client_a, org_a):
    page = page_text(connect(client_a, org_a))
    assert "Connected as" in page
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_a_grant_issued_before_the_identity_lookup_failed_is_revoked(sf, client_a, org_a):
    sf.state.configure(access_token_ttl=0.0)  # the token is issued, then refused at /id/
    page = page_text(connect(client_a, org_a))
    assert "did not let us read the connected user" in page
    with sf.state.lock:
        refresh = list(sf.state.tokens.refresh.values())
    assert len(refresh) == 1 and refresh[0].revoked
    with org_a:
        assert get_connection(KEY).status == "not_connected"
