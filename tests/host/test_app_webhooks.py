"""App-level webhooks (one URL on the public host, routed by account) through the fake CRM.

The host routes each event through its public table of connected accounts, which it keeps in
step with connect, reconnect and disconnect; an event for an account no org is connected to is
answered, recorded for platform staff and enrolls nothing; one org's account never reaches
another org.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from host.integrations import get_connection
from host.models import InboundEvent
from host.webhooks import routes
from tenants.models import ConnectedAccount, UnroutedWebhookEvent
from tests.conftest import host_of, owner_of
from tests.host.test_fake_crm_phases import _begin, _callback

KEY = "fake_crm"
PATH = f"/api/v1/integrations/{KEY}/webhook"
SECRET = "fake-app-secret-0123456789abcdef"


@pytest.fixture
def client_b(org_b):
    client = Client(HTTP_HOST=host_of(org_b))
    client.force_login(owner_of(org_b))
    return client


@pytest.fixture(autouse=True)
def app_secret(settings):
    settings.FAKE_CRM_APP_SECRET = SECRET


def post(events, *, host="localhost", secret=SECRET, body=None, content_type="application/json"):
    from fake_crm.plugin import signature

    body = body if body is not None else json.dumps({"events": events}).encode()
    uri = f"http://{host}{PATH}"
    return Client(HTTP_HOST=host).post(
        PATH, data=body, content_type=content_type,
        HTTP_X_FAKE_SIGNATURE=signature(secret.encode(), "POST", uri, body))


def event(n, account, **extra):
    return {"id": f"evt-{n}", "account": account, "deal_id": f"deal-{n}", "won": True,
            "email": f"buyer{n}@example.com", "sequence_id": "00000000-0000-0000-0000-000000000001",
            **extra}


def connect(client, org, account):
    state = _begin(client)
    page = _callback(state, org, client, code="good-code", account=account)
    assert page.status_code == 200


def events_in(org) -> list[str]:
    with org:
        return sorted(InboundEvent.objects.filter(provider=KEY).values_list("dedupe_key",
                                                                           flat=True))


def disconnect(client):
    assert client.post(f"/settings/integrations/{KEY}/disconnect").status_code == 302


def test_hook_webhook_parse__events_route_to_the_org_of_their_account_only(client_a, client_b, org_a,
                                                                   org_b):
    connect(client_a, org_a, "acct-A")
    connect(client_b, org_b, "acct-B")
    assert set(ConnectedAccount.objects.filter(integration=KEY).values_list(
        "external_account_id", "organization__slug")) == {("acct-A", "org-a"), ("acct-B", "org-b")}
    response = post([event(1, "acct-A"), event(2, "acct-B"), event(3, "acct-A")])
    assert response.status_code == 200, response.content
    assert response.json() == {"data": {"received": 3, "new": 3}}
    assert events_in(org_a) == ["evt-1", "evt-3"]
    assert events_in(org_b) == ["evt-2"]
    # A retry of the same delivery stores nothing new.
    assert post([event(1, "acct-A")]).json()["data"]["duplicate"] is True
    assert events_in(org_a) == ["evt-1", "evt-3"]


def test_hook_webhook_verify__a_bad_signature_is_401_with_nothing_stored(client_a, org_a):
    connect(client_a, org_a, "acct-A")
    response = post([event(1, "acct-A")], secret="not-the-app-secret")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert events_in(org_a) == [] and not UnroutedWebhookEvent.objects.exists()
    assert post([event(1, "acct-A")]).status_code == 202
    assert events_in(org_a) == ["evt-1"]


def test_unknown_account_is_answered_recorded_publicly_and_enrolls_nothing(client_a, org_a,
                                                                           org_b):
    connect(client_a, org_a, "acct-A")
    response = post([event(1, "acct-nobody")])
    assert response.status_code == 200, response.content
    assert events_in(org_a) == [] and events_in(org_b) == []
    row = UnroutedWebhookEvent.objects.get(integration=KEY)
    assert (row.external_account_id, row.reason, row.times_received) == (
        "acct-nobody", "unknown account", 1)
    post([event(1, "acct-nobody")])  # the CRM retries
    row.refresh_from_db()
    assert row.times_received == 2


def test_disconnected_account_stops_routing_and_a_reconnect_to_another_account_reroutes(
        client_a, org_a):
    connect(client_a, org_a, "acct-A")
    disconnect(client_a)
    assert not ConnectedAccount.objects.filter(integration=KEY).exists()
    post([event(1, "acct-A")])
    assert events_in(org_a) == []
    assert UnroutedWebhookEvent.objects.get().reason == "unknown account"
    connect(client_a, org_a, "acct-A2")  # reconnect to another account
    assert ConnectedAccount.objects.get(integration=KEY).external_account_id == "acct-A2"
    post([event(2, "acct-A"), event(3, "acct-A2")])
    assert events_in(org_a) == ["evt-3"]
    assert UnroutedWebhookEvent.objects.filter(external_account_id="acct-A").count() == 2


def test_an_account_connected_to_one_org_cannot_be_claimed_by_another(client_a, client_b, org_a,
                                                                      org_b):
    connect(client_a, org_a, "acct-A")
    state = _begin(client_b)
    page = _callback(state, org_b, client_b, code="good-code", account="acct-A")
    assert "already connected to another organization" in page.content.decode()
    with org_b:
        assert not get_connection(KEY).is_connected
    post([event(1, "acct-A")])
    assert events_in(org_a) == ["evt-1"] and events_in(org_b) == []


def test_needs_attention_keeps_the_route_and_the_org_logs_the_event(client_a, org_a):
    connect(client_a, org_a, "acct-A")
    with org_a:
        get_connection(KEY).mark_needs_attention("revoked")
    post([event(1, "acct-A")])
    assert events_in(org_a) == ["evt-1"]


@pytest.mark.parametrize("case, status", [
    ("bad signature", 401), ("no secret configured", 401), ("org host", 404),
    ("not json", 415), ("malformed", 400), ("no account", 400), ("too large", 413),
    ("get", 405),
])
def test_bad_requests_are_refused_in_the_envelope_and_store_nothing(client_a, org_a, settings,
                                                                    case, status):
    connect(client_a, org_a, "acct-A")
    good = [event(1, "acct-A")]
    if case == "bad signature":
        response = post(good, secret="another-secret")
    elif case == "no secret configured":
        settings.FAKE_CRM_APP_SECRET = ""
        response = post(good)
    elif case == "org host":
        response = post(good, host=host_of(org_a))
    elif case == "not json":
        response = post(good, body=b"a=b", content_type="application/x-www-form-urlencoded")
    elif case == "malformed":
        response = post(good, body=b'{"events": 3}')
    elif case == "no account":
        response = post([event(1, "")])
    elif case == "too large":
        response = post([event(1, "acct-A", email="x" * 20_000)])
    else:
        response = Client(HTTP_HOST="localhost").get(PATH)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    assert events_in(org_a) == []
    assert not UnroutedWebhookEvent.objects.exists()


def test_backfill_creates_routes_for_connections_made_before_the_table(client_a, org_a):
    connect(client_a, org_a, "acct-A")
    ConnectedAccount.objects.all().delete()
    assert routes.backfill() == 1
    assert ConnectedAccount.objects.get().organization == org_a
    assert routes.backfill() == 0


def test_the_per_org_url_of_an_app_level_integration_is_not_served(client_a):
    response = client_a.post(PATH, data=b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_unrouted_events_are_purged_with_the_inbound_events_age(db, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from host import tasks

    settings.RETENTION_INBOUND_EVENTS_DAYS = 90
    monkeypatch.setattr(tasks, "for_each_org", lambda task: 0)
    old, new = (UnroutedWebhookEvent.objects.create(integration=KEY, external_account_id="x",
                                                    dedupe_key=k, kind="deal_won")
                for k in ("old", "new"))
    UnroutedWebhookEvent.objects.filter(pk=old.pk).update(
        last_received_at=timezone.now() - timedelta(days=91))
    tasks.purge_old_rows()
    assert list(UnroutedWebhookEvent.objects.values_list("dedupe_key", flat=True)) == ["new"]


def test_a_concurrent_claim_of_the_same_account_loses_cleanly(client_a, client_b, org_a, org_b,
                                                              monkeypatch):
    from host import connect as host_connect

    connect(client_a, org_a, "acct-A")
    # Org B's check ran before org A's route was written: the unique account decides.
    monkeypatch.setattr(host_connect, "check_available", lambda *args: None)
    state = _begin(client_b)
    page = _callback(state, org_b, client_b, code="good-code", account="acct-A")
    assert "already connected to another organization" in page.content.decode()
    with org_b:
        assert not get_connection(KEY).is_connected
    assert ConnectedAccount.objects.get(integration=KEY).organization == org_a


def test_a_routed_event_is_processed_in_its_org_and_enrolls_there_only(client_a, org_a, org_b):
    from host.events import process_event
    from plugins.sequences.demo import DEMO_SEQUENCE, seed_sequences
    from plugins.sequences.models import Sending, Sequence

    connect(client_a, org_a, "acct-A")
    with org_a:
        seed_sequences()
        sequence_id = str(Sequence.objects.get(name=DEMO_SEQUENCE).pk)
    assert post([event(1, "acct-A", sequence_id=sequence_id)]).status_code == 202
    with org_a:
        stored = InboundEvent.objects.get(provider=KEY)
        assert process_event(stored.pk).status == InboundEvent.Status.PROCESSED
        assert Sending.objects.filter(contact__email="buyer1@example.com").count() == 1
    with org_b:
        assert not Sending.objects.exists() and not InboundEvent.objects.exists()


def test_host_sections_serve_a_second_integration_in_its_own_words(client_a, org_a):
    """FakeCRM has no configure page of its own: the host's trigger and event-log actions
    answer it with a redirect to the host's page and a message, in its words."""
    from host.sections import events as events_section
    from host.sections import trigger as trigger_section

    response = client_a.post(f"/settings/integrations/{KEY}/trigger",
                             {"trigger_mode": "auto", "sequence": ""}, follow=True)
    assert "Choose the sequence to run for Deal won events" in response.content.decode()
    with org_a:
        conn = get_connection(KEY)
        assert "trigger_mode" not in conn.settings
        form = trigger_section.context(None, conn)["trigger_form"]
        assert "auto: Trigger from Deal won webhook events" in str(form)
        failed = InboundEvent.objects.create(provider=KEY, dedupe_key="e1", kind="deal_won",
                                             payload={"deal_id": "deal-9"}, status="ignored")
        [row] = events_section.context(None, conn)["webhook_events"]
        assert (row.record_id, row.outcome) == ("deal-9", "Ignored: ")
    response = client_a.post(f"/settings/integrations/{KEY}/events/{failed.pk}/replay",
                             follow=True)
    assert "Event for deal deal-9 is queued again" in response.content.decode()
    # An APP integration has no per-org secret to generate.
    assert client_a.post(f"/settings/integrations/{KEY}/webhook-secret").status_code == 404
