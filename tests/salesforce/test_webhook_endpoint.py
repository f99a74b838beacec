"""The webhook endpoint over real HTTP: secrets, the two payload kinds, the exact Ack, bad input."""

from __future__ import annotations

import logging

import pytest
from django.db import connection as db

from host.integrations import get_connection
from host.models import IntegrationConnection
from host.webhooks import secrets
from plugins.salesforce.webhooks.payloads import ACK
from tests.salesforce.conftest import KEY
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixtures
    JSON,
    OTHER_ORG_ID,
    PATH,
    XML,
    envelope,
    json_event,
    live_fixture,
    won,
)

OPP = "0067F000003pmdWQAQ"


def _om(nid: str = "04l7F000008aeAyQAI", org_id=None) -> bytes:
    return envelope((nid, won(OPP)), **({"org_id": org_id} if org_id else {}))


def _refused(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    if code:
        assert response.json()["error"]["code"] == code


# --- secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["x-salesforce-webhook-secret", "x-webhook-secret", "token",
                                 "secret"])
def test_each_header_and_query_variant_is_accepted(live, how):
    if how.startswith("x-"):
        response = live.post(_om(), headers={**XML, how: live.secret})
    else:
        response = live.post(_om(), query=f"?{how}={live.secret}")
    assert response.status_code == 200, response.text
    assert response.text == ACK
    assert len(live.events()) == 1


@pytest.mark.parametrize("variant", ["missing", "wrong", "last byte", "empty", "non-ascii",
                                     "non-ascii header", "prefix"])
def test_a_wrong_secret_is_401_json_and_nothing_is_stored(live, variant):
    last = chr(ord(live.secret[-1]) ^ 1)
    kwargs = {
        "missing": {},
        "wrong": {"token": "x" * 43},
        "last byte": {"token": live.secret[:-1] + last},
        "empty": {"query": "?token="},
        "non-ascii": {"query": "?token=%C3%A9"},  # ?token=é
        "non-ascii header": {"headers": {**XML, "x-salesforce-webhook-secret": "é".encode()}},
        "prefix": {"token": live.secret[:-1]},
    }[variant]
    response = live.post(_om(), **kwargs)
    _refused(response, 401, "INVALID_WEBHOOK_SECRET")
    assert live.events() == []


def test_global_secret_is_refused_when_the_org_has_its_own(live, settings):
    settings.SALESFORCE_WEBHOOK_SECRET = "global-fallback-secret-0123456789abcdef"
    _refused(live.post(_om(), token=settings.SALESFORCE_WEBHOOK_SECRET), 401)
    assert live.post(_om(), token=live.secret).status_code == 200


def test_global_fallback_applies_only_without_an_org_secret(live, settings):
    settings.SALESFORCE_WEBHOOK_SECRET = "global-fallback-secret-0123456789abcdef"
    with live.org:
        secrets.remove_org_secret(get_connection(KEY))
    _refused(live.post(_om(), token=live.secret), 401)  # the removed org secret
    assert live.post(_om(), token=settings.SALESFORCE_WEBHOOK_SECRET).status_code == 200
    settings.SALESFORCE_WEBHOOK_SECRET = ""  # none at all: everything is refused
    _refused(live.post(_om("04l7F000008aeAzQAI"), token=""), 401)
    _refused(live.post(_om("04l7F000008aeAzQAI"), headers={**XML, "x-webhook-secret": ""}), 401)
    assert len(live.events()) == 1


def test_another_orgs_secret_is_refused_on_this_orgs_host(live, committed_org):
    db.set_schema_to_public()
    other = committed_org("wh-other")
    with other:
        other_secret = secrets.rotate(get_connection(KEY))
    _refused(live.post(_om(), token=other_secret), 401)
    assert live.events() == []


def test_previous_secret_works_during_the_grace_period_only(live):
    with live.org:
        conn = get_connection(KEY)
        new = secrets.rotate(conn)
    assert live.post(_om("04l7F000008aeA1QAI"), token=live.secret).status_code == 200
    assert live.post(_om("04l7F000008aeA2QAI"), token=new).status_code == 200
    with live.org:
        conn.update_settings(lambda v: v.update(
            previous_webhook_secret_valid_until="2000-01-01T00:00:00+00:00"))
    _refused(live.post(_om("04l7F000008aeA3QAI"), token=live.secret), 401)
    assert len(live.events()) == 2


def test_a_refused_request_creates_no_connection_row(sf, http_server, committed_org, settings):
    from tests.conftest import host_of

    settings.SALESFORCE_WEBHOOK_SECRET = ""
    org = committed_org("wh-bare")
    response = http_server.request("POST", host_of(org), PATH + "?token=abc", data=_om(),
                                   headers=XML)
    _refused(response, 401)
    with org:
        assert not IntegrationConnection.objects.filter(provider=KEY).exists()


def test_the_secret_is_never_stored_nor_logged(live, caplog):
    caplog.set_level(logging.DEBUG)
    assert live.post(json_event(), headers=JSON, token=live.secret).status_code == 202
    assert live.post(_om(), token=live.secret).status_code == 200
    with live.org:
        conn = get_connection(KEY)
    stored = repr([e.payload for e in live.events()]) + repr(conn.settings)
    assert live.secret not in stored
    assert live.secret not in caplog.text


# --- payloads ----------------------------------------------------------------------------------


def test_outbound_message_is_answered_with_the_exact_ack(live):
    response = live.post(envelope(("04l7F000008aeAyQAI", won(OPP)),
                                  ("04l7F000008aeAzQAI", won("0067F000003pmdXQAQ"))),
                         token=live.secret)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n'
        b" <soapenv:Body>\n"
        b'  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">\n'
        b"   <Ack>true</Ack>\n"
        b"  </notificationsResponse>\n"
        b" </soapenv:Body>\n"
        b"</soapenv:Envelope>\n")
    events = live.events()
    assert [e.dedupe_key for e in events] == ["om:04l7F000008aeAyQAI", "om:04l7F000008aeAzQAI"]
    assert events[0].payload["opportunity_id"] == OPP and events[0].payload["is_won"] is True
    assert events[0].payload["amount"] == 120000.0


def test_json_event_is_accepted_then_a_duplicate_changes_nothing(live):
    first = live.post(json_event(), headers=JSON, token=live.secret)
    assert first.status_code == 202
    assert first.json()["data"]["duplicate"] is False
    again = live.post(json_event(), headers={**JSON, "x-webhook-secret": live.secret})
    assert again.status_code == 200
    assert again.json()["data"] == {**first.json()["data"], "duplicate": True,
                                    "status": again.json()["data"]["status"]}
    assert len(live.events()) == 1


def test_json_with_an_event_id_dedupes_on_it(live):
    for _ in range(2):
        live.post(json_event(event_id="evt-1"), headers=JSON, token=live.secret)
    live.post(json_event(event_id="evt-2"), headers=JSON, token=live.secret)
    assert [e.dedupe_key for e in live.events()] == ["evt:evt-1", "evt:evt-2"]


def test_event_from_another_salesforce_org_is_403(live):
    _refused(live.post(_om(org_id=OTHER_ORG_ID), token=live.secret), 403, "ORG_MISMATCH")
    _refused(live.post(json_event(org_id=OTHER_ORG_ID), headers=JSON, token=live.secret), 403)
    assert live.events() == []


BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<lolz>&lol3;</lolz>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
       b"<soapenv:Body>&xxe;</soapenv:Body></soapenv:Envelope>")


@pytest.mark.parametrize(("name", "body", "headers", "status"), [
    ("xml bomb", BOMB, XML, 400),
    ("external entity", XXE, XML, 400),
    ("truncated soap", envelope(("04l7F000008aeAyQAI", won(OPP)))[:-40], XML, 400),
    ("not soap", b"<hello/>", XML, 400),
    ("unknown encoding", b'<?xml version="1.0" encoding="x-nope"?><a/>', XML, 400),
    ("no notification", envelope(), XML, 400),
    ("bad ids", envelope(("nope", won("also-nope"))), XML, 400),
    ("json array", b"[" + json_event() + b"]", JSON, 400),
    ("json not json", b"{'org_id':", JSON, 400),
    ("json wrong types", json_event(is_won="yes"), JSON, 400),
    ("json amount string", json_event(amount="lots"), JSON, 400),
    ("json amount NaN", json_event().replace(b"45000.0", b"NaN"), JSON, 400),
    ("json amount 1e999", json_event().replace(b"45000.0", b"1" + b"0" * 400), JSON, 400),
    ("json NUL", json_event(name="a\u0000b"), JSON, 400),
    ("json lone surrogate", json_event().replace(b"Backpackers", b"\\ud800"), JSON, 400),
    ("json bad email", json_event(contact_email="not-an-email"), JSON, 400),
    ("json unknown field", json_event(extra=1), JSON, 400),
    ("json missing opportunity", json_event(opportunity_id=None), JSON, 400),
    ("json nested 50k deep", b"[" * 50_000 + b"]" * 50_000, JSON, 400),
    ("json object nested 50k deep", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, JSON, 400),
    ("json nested field", json_event(name=[[[["x"]]]]), JSON, 400),
    ("xml nested 100k deep", envelope().replace(
        b"</notifications>", b"<a>" * 100_000 + b"</a>" * 100_000 + b"</notifications>"), XML, 400),
    ("form post", b"a=b", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ("no content type", b"{}", {"Content-Type": ""}, 415),
    ("10 MB xml", b"<a>" + b"x" * 10_000_000 + b"</a>", XML, 413),
])
def test_bad_input_is_a_clean_4xx_and_stores_nothing(live, name, body, headers, status):
    response = live.post(body, headers=headers, token=live.secret)
    _refused(response, status)
    assert response.json()["error"]["message"]
    assert live.events() == []


def test_a_10_mb_body_without_a_secret_is_401_without_reading_it(live):
    _refused(live.post(b"x" * 10_000_000, headers=JSON), 401)
    assert live.events() == []


def test_get_is_405_and_the_public_host_has_no_webhook(live, http_server):
    _refused(live.server.request("GET", live.host, PATH), 405)
    assert http_server.request("POST", "localhost", PATH, data=b"{}",
                               headers=JSON).status_code == 404


def test_more_than_100_notifications_are_refused(live):
    body = envelope(*[(f"04l7F00000{n:08d}", won(OPP)) for n in range(101)])
    _refused(live.post(body, token=live.secret), 400)
    assert live.events() == []
