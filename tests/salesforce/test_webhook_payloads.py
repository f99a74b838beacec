"""Parsing both payload kinds, without a server: field shapes the HTTP tests don't cover."""

from __future__ import annotations

import pytest

from plugins.salesforce.webhooks.payloads import PayloadError, parse_json, parse_outbound_message
from tests.salesforce.test_webhook_support import ORG_ID, envelope, json_event, won

OPP = "0067F000003pmdWQAQ"


def test_outbound_message_fields_and_dedupe_key():
    org, [event] = parse_outbound_message(envelope(("04l7F000008aeAyQAI", won(
        OPP, "0035w000035gg9GAAQ", Name="Caf\u00e9 &amp; Co"))))
    assert org == ORG_ID
    assert event.dedupe_key == "om:04l7F000008aeAyQAI"
    assert event.as_payload() == {
        "org_id": ORG_ID, "opportunity_id": OPP, "name": "Caf\u00e9 & Co", "amount": 120000.0,
        "stage": "Closed Won", "is_won": True, "contact_id": "0035w000035gg9GAAQ",
        "contact_email": "", "source": "outbound_message"}


def test_nil_fields_and_a_missing_is_won_fall_back_to_the_stage():
    values = {"Id": OPP, "StageName": "Closed Won"}
    body = envelope(("04l7F000008aeAyQAI", values)).replace(
        b"</sObject>", b'<sf:Amount xsi:nil="true"/><sf:ContactId xsi:nil="true"/></sObject>')
    [event] = parse_outbound_message(body)[1]
    assert (event.is_won, event.amount, event.contact_id) == (True, None, "")
    [lost] = parse_outbound_message(envelope(("04l7F000008aeAyQAI", {
        "Id": OPP, "StageName": "Closed Lost"})))[1]
    assert lost.is_won is False


def test_json_dedupe_keys():
    assert parse_json(json_event(OPP)).dedupe_key == f"opp:{OPP}:won"
    assert parse_json(json_event(OPP, event_id=" e-1 ")).dedupe_key == "evt:e-1"
    assert parse_json(json_event(OPP, is_won=False, stage="Proposal")).dedupe_key == \
        f"opp:{OPP}:open:Proposal"


@pytest.mark.parametrize("body", [
    b"", b"null", b"42", b'"text"', b"[" * 100_000, b"{" * 100_000,
    json_event(org_id=123), json_event(contact_id="short"), json_event(amount=True),
    json_event(amount=float("inf")).replace(b"Infinity", b"1e999"),
])
def test_json_refusals_are_payload_errors(body):
    with pytest.raises(PayloadError):
        parse_json(body)


@pytest.mark.parametrize("body", [
    b"", b"<", b"\xff\xfe<a/>", b'<?xml version="1.0" encoding="x-nope"?><a/>',
    b"<a>" * 50_000, envelope(("04l7F000008aeAyQAI", won(OPP, Amount="lots"))),
    envelope(("04l7F000008aeAyQAI", won(OPP, Amount="NaN"))),
    envelope(("04l7F000008aeAyQAI", {"Name": "no id"})),
])
def test_xml_refusals_are_payload_errors(body):
    with pytest.raises(PayloadError):
        parse_outbound_message(body)
