"""v3 signature check and payload parsing, with HubSpot's published test vectors (reference §3.2.5)."""

import json

import pytest

from plugins.hubspot import webhooks as w

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URL = "https://www.example.com/webhook_uri"
BODY = b"{'example_field':'example_value'}"
TS = "1693657560000"
VECTOR = "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="


def headers(signature=VECTOR, timestamp=TS):
    return {w.SIGNATURE_HEADER: signature, w.TIMESTAMP_HEADER: timestamp}


def test_signature_matches_hubspot_vector():
    assert w.signature_v3(SECRET, "POST", URL, BODY, TS) == VECTOR


def test_verify_accepts_the_vector_within_five_minutes():
    w.verify(SECRET, "POST", URL, BODY, headers(), now_ms=int(TS) + 299_000)


@pytest.mark.parametrize("change, code", [
    ({"now_ms": int(TS) + 301_000}, "STALE_TIMESTAMP"),
    ({"body": BODY + b" "}, "INVALID_SIGNATURE"),
    ({"uri": URL + "?x=1"}, "INVALID_SIGNATURE"),
    ({"method": "PUT"}, "INVALID_SIGNATURE"),
    ({"secret": "other"}, "INVALID_SIGNATURE"),
    ({"headers": headers(signature="")}, "SIGNATURE_REQUIRED"),
    ({"headers": headers(timestamp="yesterday")}, "INVALID_TIMESTAMP"),
    ({"secret": ""}, "WEBHOOK_NOT_CONFIGURED"),
])
def test_verify_refuses_with_401(change, code):
    args = {"secret": SECRET, "method": "POST", "uri": URL, "body": BODY, "headers": headers(),
            "now_ms": int(TS) + 1000, **change}
    with pytest.raises(w.WebhookError) as caught:
        w.verify(**args)
    assert (caught.value.status, caught.value.code) == (401, code)


def test_uri_decoding_of_the_listed_characters():
    assert w.decode_uri("https://h/p%3Aq?a=%2F%40%20") == "https://h/p:q?a=/@%20"


def event(**extra):
    return {"eventId": 1, "subscriptionId": 25, "portalId": 62515, "appId": 1, "occurredAt": 1462216307945,
            "subscriptionType": "deal.propertyChange", "attemptNumber": 0, "objectId": 1246965,
            "propertyName": "dealstage", "propertyValue": "closedwon", **extra}


def test_parse_normalises_ids_and_keys_duplicates_and_retries_alike():
    first = w.parse(json.dumps([event()]).encode())
    retry = w.parse(json.dumps([event(attemptNumber=3, eventId=99)]).encode())
    assert first[0].dedupe_key == retry[0].dedupe_key
    assert first[0].portal_id == "62515"
    assert first[0].payload["object_id"] == "1246965" and first[0].payload["stage"] == "closedwon"
    assert first[0].kind == w.DEAL_STAGE
    later = w.parse(json.dumps([event(occurredAt=1462216307946)]).encode())
    assert later[0].dedupe_key != first[0].dedupe_key


def test_parse_kinds_and_legacy_event_type():
    items = [event(subscriptionType=None, eventType="deal.propertyChange"),
             event(subscriptionType="object.propertyChange", objectTypeId="0-3"),
             event(subscriptionType="contact.merge", primaryObjectId=5, mergedObjectIds=[6, 7],
                   newObjectId=5, propertyName=None),
             event(subscriptionType="contact.deletion", propertyName=None),
             event(subscriptionType="contact.propertyChange", propertyName="email")]
    parsed = w.parse(json.dumps(items).encode())
    assert [e.kind for e in parsed] == [w.DEAL_STAGE, w.DEAL_STAGE, w.CONTACT_MERGED, w.CONTACT_DELETED]
    assert parsed[2].payload["merged_ids"] == ["6", "7"]


@pytest.mark.parametrize("body, code", [
    (b"not json", "INVALID_JSON"), (b"{}", "INVALID_PAYLOAD"), (b"[]", "INVALID_PAYLOAD"),
    (json.dumps([event()] * 101).encode(), "TOO_MANY_EVENTS"),
    (json.dumps([{"objectId": 1, "occurredAt": 1}]).encode(), "INVALID_EVENT"),
    (json.dumps(["x"]).encode(), "INVALID_EVENT"),
])
def test_parse_refuses_malformed_bodies_with_400(body, code):
    with pytest.raises(w.WebhookError) as caught:
        w.parse(body)
    assert (caught.value.status, caught.value.code) == (400, code)


def test_a_batch_of_100_is_accepted():
    assert len(w.parse(json.dumps([event(objectId=i) for i in range(100)]).encode())) == 100
