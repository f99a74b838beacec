"""Sentry: off without ``SENTRY_DSN``; with it, events carry the org and no secret."""

from __future__ import annotations

import secrets
from unittest import mock

import pytest
import sentry_sdk
from django.test import override_settings
from sentry_sdk.transport import Transport

from host import error_reporting, log_context

DSN = "https://public@sentry.example.invalid/1"


def canary() -> str:
    return "CANARY" + secrets.token_hex(10)


class CapturingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        self.events.extend(item.payload.json for item in envelope.items
                           if item.type == "event")


@pytest.fixture
def sentry_off_afterwards():
    yield
    sentry_sdk.get_global_scope().set_client(None)  # the SDK's "not initialized" client
    assert not sentry_sdk.get_client().is_active()


def test_nothing_starts_without_a_dsn():
    with override_settings(SENTRY_DSN=""), mock.patch.object(sentry_sdk, "init") as init:
        assert error_reporting.init() is False
    init.assert_not_called()


def test_before_send_tags_the_org_and_redacts_every_secret(in_org_a):
    token, key, code, survey = canary(), canary(), canary(), canary()
    event = {
        "message": f"failed https://x.example/cb?code={code}",
        "exception": {"values": [{
            "type": "HTTPError", "value": f"401 for /s/{survey}?access_token={token}",
            "stacktrace": {"frames": [{"function": "f", "vars": {"credentials": token}}]},
        }]},
        "request": {"url": f"https://acme.example/s/{survey}", "query_string": f"token={token}",
                    "headers": {"Authorization": f"Bearer dem_{key}", "X-Api-Key": key,
                                "User-Agent": "ua"},
                    "cookies": {"sessionid": key}, "data": {"email": "pat@example.com"}},
        "breadcrumbs": {"values": [{"message": f"GET https://sf.example/?state={code}"}]},
    }
    with log_context.bind(request_id="req-9", integration="salesforce"):
        scrubbed = error_reporting.before_send(event, {})
    text = repr(scrubbed)
    for secret in (token, key, code, survey, "pat@example.com"):
        assert secret not in text
    assert scrubbed["tags"] == {"org": in_org_a.schema_name, "request_id": "req-9",
                                "integration": "salesforce"}
    assert scrubbed["request"]["headers"]["User-Agent"] == "ua"
    assert scrubbed["request"]["headers"]["Authorization"] == error_reporting.FILTERED
    assert "code=[redacted]" in scrubbed["message"]


def test_a_captured_exception_goes_out_tagged_and_scrubbed(in_org_a, sentry_off_afterwards):
    transport = CapturingTransport()
    secret = canary()
    with override_settings(SENTRY_DSN=DSN):
        assert error_reporting.init(transport=transport) is True
    assert sentry_sdk.get_client().is_active()
    credentials = {"access_token": secret}  # a frame variable: never sent
    try:
        raise RuntimeError(f"refresh failed for https://login.example/?refresh_token={secret}")
    except RuntimeError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush()
    [event] = transport.events
    assert event["tags"]["org"] == in_org_a.schema_name
    assert secret not in repr(event) and credentials
    assert "refresh_token=[redacted]" in event["exception"]["values"][0]["value"]
