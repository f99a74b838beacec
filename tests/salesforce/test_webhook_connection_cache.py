"""A burst of webhooks reads the org's connection row once (``host.webhooks.connections``); a
change counts at once in the process that saved it, within the cache's seconds elsewhere."""

from __future__ import annotations

import time

import pytest
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext

from host.integrations import get_connection
from host.models import IntegrationConnection
from host.webhooks import secrets
from tests.salesforce.conftest import KEY
from tests.salesforce.test_webhook_support import (  # noqa: F401 - fixtures
    PATH,
    XML,
    envelope,
    live_fixture,
    won,
)

OPP = "0067F000003pmdWQAQ"


def _om(n: int) -> bytes:
    return envelope((f"04l7F000008ae{n:03d}AA", won(OPP)))


def _connection_reads(live, n: int, token: str) -> tuple[list[int], int]:
    """Post ``n`` events (in this thread, to count its statements); their statuses and how many
    statements read the connection table."""
    client = Client(HTTP_HOST=live.host)
    table = IntegrationConnection._meta.db_table
    with CaptureQueriesContext(db) as queries:
        statuses = [client.post(f"{PATH}?token={token}", _om(i), content_type=XML["Content-Type"])
                    .status_code for i in range(n)]
    return statuses, sum(table in q["sql"] for q in queries.captured_queries)


def test_a_burst_reads_the_connection_row_once(live):
    statuses, reads = _connection_reads(live, 5, live.secret)
    assert statuses == [200] * 5
    assert reads == 1
    assert len(live.events()) == 5


def test_a_secret_removed_in_this_process_is_refused_at_once(live):
    assert live.post(_om(1), token=live.secret).status_code == 200  # the row is kept now
    with live.org:
        secrets.remove_org_secret(get_connection(KEY))
    assert live.post(_om(2), token=live.secret).status_code == 401


def _remove_secret_elsewhere(live) -> None:
    """As another process would: no ``post_save`` in this one."""
    with live.org:
        IntegrationConnection.objects.filter(provider=KEY).update(settings={})


def test_a_change_saved_elsewhere_counts_within_the_cache_seconds(live, settings):
    settings.WEBHOOK_CONNECTION_CACHE_SECONDS = 0.5
    assert live.post(_om(1), token=live.secret).status_code == 200
    _remove_secret_elsewhere(live)
    assert live.post(_om(2), token=live.secret).status_code == 200  # the kept row
    time.sleep(0.6)
    assert live.post(_om(3), token=live.secret).status_code == 401


def test_a_not_connected_orgs_row_is_never_kept(live):
    with live.org:
        IntegrationConnection.objects.filter(provider=KEY).update(status="disconnected")
    assert live.post(_om(1), token=live.secret).status_code == 200  # stored, then ignored
    _remove_secret_elsewhere(live)
    assert live.post(_om(2), token=live.secret).status_code == 401  # read again: counts at once


def test_off_with_zero_seconds(live, settings):
    settings.WEBHOOK_CONNECTION_CACHE_SECONDS = 0
    statuses, reads = _connection_reads(live, 3, live.secret)
    assert statuses == [200] * 3 and reads == 3


def test_one_orgs_kept_row_never_answers_for_another(live, committed_org):
    from tests.salesforce.test_webhook_support import LiveOrg

    assert live.post(_om(1), token=live.secret).status_code == 200  # org A's row is kept
    other = committed_org("wh2")
    with other:
        conn = get_connection(KEY)
        conn.status = IntegrationConnection.Status.CONNECTED
        conn.external_account_id = "00D000000000002AAA"
        conn.save()
        secrets.rotate(conn)
    intruder = LiveOrg(org=other, server=live.server, sf=live.sf)
    response = intruder.post(_om(2), token=live.secret)  # A's secret at B's address
    assert response.status_code == 401
    assert intruder.events() == []


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.WEBHOOK_CONNECTION_CACHE_SECONDS = 2.0
