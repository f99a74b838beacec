"""The client's answers to HubSpot's limits and errors, against the emulator (reference §5)."""

from __future__ import annotations

import pytest

from host.integrations import get_connection
from plugins.hubspot import client as hs_client
from plugins.hubspot import errors, paths
from plugins.hubspot.client import HubSpotClient
from tests.hubspot.platform import connect


@pytest.fixture
def api(hs, client_a, org_a):
    connect(hs, client_a, org_a)
    waits = []
    with org_a:
        yield HubSpotClient(get_connection("hubspot"), sleep=waits.append), waits


def test_a_429_is_honoured_with_a_pause_then_retried(hs, api):
    client, waits = api
    hs.state.add_fault("SECONDLY", count=1, target="search")
    answer = client.call("POST", paths.objects("contacts", "search"), bucket="search",
                         json={"filterGroups": [], "limit": 1})
    assert answer["total"] == 0
    assert client.api_calls == 2 and 1.0 <= waits[-1] < 1.5


def test_retry_after_is_used_when_sent(hs, api):
    client, waits = api
    hs.state.add_fault("MIGRATION_IN_PROGRESS", count=1)
    client.call("GET", paths.pipelines("deals"))
    assert waits[-1] == 1.0


def test_backoff_by_policy():
    ten = errors.RateLimited("HubSpot rate limit reached: You have reached your "
                             "ten_secondly_rolling limit.", policy="TEN_SECONDLY_ROLLING")
    search = errors.RateLimited("HubSpot rate limit reached: You have reached your secondly limit.")
    assert 10 <= hs_client.backoff(ten, 1) < 13 and 20 <= hs_client.backoff(ten, 2) < 23
    assert 1 <= hs_client.backoff(search, 1) < 1.3


def test_lasting_5xx_ends_in_a_clear_transient_error(hs, api):
    client, _ = api
    hs.state.add_fault("BAD_GATEWAY", count=10)
    with pytest.raises(errors.Transient) as caught:
        client.call("GET", paths.pipelines("deals"))
    assert "HubSpot is unavailable (HTTP 502)" in caught.value.message
    assert client.api_calls == hs_client.MAX_ATTEMPTS


def test_a_missing_deal_and_a_bad_value_are_named(hs, api):
    client, _ = api
    with pytest.raises(errors.NotFound):
        client.call("GET", paths.objects("deals", "123"))
    with pytest.raises(errors.ValidationError) as caught:
        client.call("POST", paths.objects("contacts", "batch/update"),
                    json={"inputs": [{"id": "1", "properties": {"nps_scor": "9"}}]})
    assert "nps_scor" in caught.value.message
    assert caught.value.problems[0]["code"] == "PROPERTY_DOESNT_EXIST"


def test_a_daily_limit_stops_instead_of_retrying(hs, api):
    client, waits = api
    hs.state.add_fault("DAILY", count=1)
    with pytest.raises(errors.DailyLimit):
        client.call("GET", paths.pipelines("deals"))
    assert not waits
