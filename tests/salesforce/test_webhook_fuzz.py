"""Fuzzing the webhook endpoint over real HTTP (issue 13 §4), the way schemathesis fuzzes the API.

Random and mutated JSON and Outbound Message bodies, all with the org's valid secret: the answer
is never a 5xx, a refusal is in the JSON error envelope, and a refused body stores nothing.
Bounded example counts keep this to seconds.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host.models import InboundEvent
from plugins.salesforce.webhooks.payloads import JSON_FIELDS
from tests.salesforce.conftest import KEY
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixture
    JSON,
    XML,
    envelope,
    json_event,
    live_fixture,
    won,
)

pytestmark = pytest.mark.usefixtures("celery_worker")
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
json_objects = st.dictionaries(st.sampled_from(sorted(JSON_FIELDS)) | st.text(max_size=10),
                               values, max_size=9)


def _mutate(data: bytes, draw_ops) -> bytes:
    for kind, position, blob in draw_ops:
        at = position % (len(data) + 1)
        if kind == "insert":
            data = data[:at] + blob + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + len(blob) + 1:]
        else:
            data = data[:at]
    return data


mutations = st.lists(st.tuples(st.sampled_from(["insert", "delete", "truncate"]),
                               st.integers(min_value=0, max_value=10_000),
                               st.binary(max_size=8)), min_size=1, max_size=3)
xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


def _check(live, body: bytes, headers: dict) -> None:
    with live.org:
        before = InboundEvent.objects.filter(provider=KEY).count()
    response = live.post(body, headers=headers, token=live.secret)
    assert response.status_code < 500, (body[:200], response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]
        with live.org:
            assert InboundEvent.objects.filter(provider=KEY).count() == before, body[:200]


def test_fuzzed_json_bodies_never_cause_a_5xx_nor_store_a_refused_body(live):
    @FUZZ
    @given(body=st.one_of(
        json_objects.map(lambda d: json.dumps(d).encode()),
        values.map(lambda v: json.dumps(v).encode()),
        st.builds(_mutate, st.just(json_event()), mutations),
        st.binary(max_size=200),
        st.integers(min_value=1, max_value=20_000).map(lambda n: b"[" * n + b"]" * n),
    ))
    def check(body):
        _check(live, body, JSON)

    check()


def test_fuzzed_outbound_messages_never_cause_a_5xx_nor_store_a_refused_body(live):
    @FUZZ
    @given(body=st.one_of(
        st.builds(lambda nid, opp, name, extra: envelope((nid, won(opp, Name=name, **extra))),
                  xml_text, xml_text, xml_text,
                  st.dictionaries(st.sampled_from(["Amount", "IsWon", "ContactId", "StageName"]),
                                  xml_text, max_size=3)),
        st.builds(_mutate, st.just(envelope(("04l5g00000ABCDEAAA", won("0065g00000AbCdEAAA")))),
                  mutations),
        st.binary(max_size=200),
    ))
    def check(body):
        _check(live, body, XML)

    check()
