"""The fake CRM plugin (installed like a third party's) through every hook, on host code paths."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from host.celery_app import app
from host.integrations import get_connection, refresh_credentials
from host.models import Contact, ExternalLink, IntegrationConnection, SyncRun
from tenants.models import OAuthState
from tests.conftest import host_of, owner_of

KEY = "fake_crm"


# --- registration ------------------------------------------------------------------------------


def test_hook_platform_integrations__fake_crm_card_appears(client_a):
    page = client_a.get("/settings/integrations").content.decode()
    assert "FakeCRM" in page
    assert "Not connected" in page
    assert 'href="/settings/integrations/fake_crm"' in page


def test_hook_platform_urls__plugin_pages_are_mounted_per_host(client_a, org_a, public_client):
    assert client_a.get("/fake-crm/whoami").json() == {"schema": org_a.schema_name}
    assert public_client.get("/fake-crm/public-whoami").json() == {"schema": "public"}


def test_hook_platform_periodic_tasks__plugin_entries_are_scheduled():
    app.finalize()
    schedule = app.conf.beat_schedule
    assert schedule["fake_crm.tick"]["task"] == "fake_crm.tick"
    assert "host.sweep_pending_events" in schedule


def test_hook_platform_seed_demo__plugins_seed_the_demo_org(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "FakeCRM demo data ready" in out
    assert "http://acme.localhost:8000/" in out


# --- connect -----------------------------------------------------------------------------------


def _begin(client) -> str:
    response = client.post(f"/settings/integrations/{KEY}/connect")
    assert response.status_code == 302
    url = urlparse(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://fake-crm.example/authorize"
    return parse_qs(url.query)["state"][0]


def _callback(state, org, client, **params):
    """The CRM's redirect to the public callback, then the browser following the relay."""
    public = Client(HTTP_HOST="localhost")
    relay = public.get(f"/oauth/{KEY}/callback", {"state": state, **params})
    assert relay.status_code == 302, relay.content
    target = urlparse(relay["Location"])
    assert target.hostname == host_of(org)
    return client.get(target.path + "?" + target.query, follow=True)


def test_hook_connect_begin__state_is_unguessable_hashed_and_bound(client_a, org_a):
    state = _begin(client_a)
    assert len(state) >= 40
    stored = OAuthState.objects.get(organization=org_a)
    assert stored.state_hash != state and state not in stored.private_state_encrypted
    assert stored.expires_at - timezone.now() <= timedelta(minutes=10)


def test_hook_connect_begin__gets_the_connect_forms_data_not_the_request(client_a):
    """The plugin reads its own extra Connect fields from the posted form (a QueryDict)."""
    response = client_a.post(f"/settings/integrations/{KEY}/connect", {"region": "eu-1"})
    assert response.status_code == 302
    assert parse_qs(urlparse(response["Location"]).query)["region"] == ["eu-1"]


def test_the_generic_configure_page_is_the_hosts_connection_and_sync_sections(client_a, org_a):
    page = client_a.get(f"/settings/integrations/{KEY}").content.decode()
    assert 'id="connection-heading"' in page and "Connect FakeCRM" in page
    assert 'name="region"' in page and "FakeCRM region" in page  # the plugin's Connect field
    _callback(_begin(client_a), org_a, client_a, code="good-code")
    page = client_a.get(f"/settings/integrations/{KEY}").content.decode()
    assert "Connected as fake-user@fake-crm.example" in page
    assert "<dt>Environment</dt><dd>test</dd>" in page  # IntegrationInfo.connection_facts
    assert "Sync Now" in page and "Open the manual queue" in page
    assert "Disconnect" in page and "Reconnect" in page


def test_hook_connect_complete__full_dance_through_the_one_callback(client_a, org_a):
    state = _begin(client_a)
    page = _callback(state, org_a, client_a, code="good-code").content.decode()
    assert "FakeCRM is connected as fake-user@fake-crm.example" in page
    with org_a:
        conn = IntegrationConnection.objects.get(provider=KEY)
        assert conn.status == "connected"
        assert conn.credentials["verifier_seen"].startswith("verifier-for-")
        assert "t-1" not in conn.credentials_encrypted  # encrypted at rest
    assert "Connected" in client_a.get("/settings/integrations").content.decode()


def test_connect_state_cannot_be_replayed(client_a, org_a):
    state = _begin(client_a)
    _callback(state, org_a, client_a, code="good-code")
    with org_a:
        IntegrationConnection.objects.filter(provider=KEY).update(status="not_connected")
    page = _callback(state, org_a, client_a, code="good-code").content.decode()
    assert "already used" in page and "fresh session" in page
    with org_a:
        assert IntegrationConnection.objects.get(provider=KEY).status == "not_connected"


def test_connect_state_from_another_browser_session_is_refused(client_a, org_a):
    state = _begin(client_a)
    other = Client(HTTP_HOST=host_of(org_a))
    other.force_login(owner_of(org_a))
    page = _callback(state, org_a, other, code="good-code").content.decode()
    assert "another browser session" in page
    with org_a:
        assert get_connection(KEY).status == "not_connected"


def test_connect_expired_state_is_refused(client_a, org_a):
    state = _begin(client_a)
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = _callback(state, org_a, client_a, code="good-code").content.decode()
    assert "expired" in page
    with org_a:
        assert get_connection(KEY).status == "not_connected"


def test_connect_denied_consent_never_completes(client_a, org_a):
    state = _begin(client_a)
    page = _callback(state, org_a, client_a, code="good-code", error="access_denied",
                     error_description="end-user denied authorization").content.decode()
    assert "end-user denied authorization" in page
    assert "Connect FakeCRM" in page  # a fresh Connect button
    with org_a:
        assert get_connection(KEY).status == "not_connected"


def test_unknown_state_on_the_public_callback_is_a_clear_400(public_client):
    response = public_client.get(f"/oauth/{KEY}/callback", {"state": "forged", "code": "x"})
    assert response.status_code == 400
    assert b"fresh session" in response.content


def test_reconnecting_to_another_account_is_refused_until_disconnected(client_a, org_a):
    _callback(_begin(client_a), org_a, client_a, code="good-code", account="acct-1")
    page = _callback(_begin(client_a), org_a, client_a, code="good-code",
                     account="acct-2").content.decode()
    assert "different account" in page
    client_a.post(f"/settings/integrations/{KEY}/disconnect")
    _callback(_begin(client_a), org_a, client_a, code="good-code", account="acct-2")
    with org_a:
        assert get_connection(KEY).external_account_id == "acct-2"


def _connect(org, **settings):
    with org:
        conn = get_connection(KEY)
        conn.settings = settings
        conn.save()
        from host.contracts import ConnectionResult

        conn.store_result(ConnectionResult("acct-1", "fake-user@fake-crm.example",
                                           {"token": "t-1"}))
        return conn


def test_hook_connect_refresh__single_flight_under_concurrency(committed_org):
    org = committed_org()
    conn = _connect(org)
    results, errors = [], []

    def worker():
        try:
            with org:
                results.append(refresh_credentials(conn).credentials["token"])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert set(results) == {"t-2"}  # one refresh; everyone else reused it
    with org:
        assert get_connection(KEY).credentials_version == conn.credentials_version + 1


def test_refresh_refused_for_good_marks_needs_attention(org_a):
    from host.contracts import NeedsReconnect

    conn = _connect(org_a)
    with org_a:
        conn.store_result(type("R", (), {"external_account_id": "acct-1", "account_label": "x",
                                         "details": {}, "credentials": {"refresh": "revoked"}})())
        with pytest.raises(NeedsReconnect):
            refresh_credentials(conn)
        conn.refresh_from_db()
        assert conn.status == "needs_attention"
        assert "revoked" in conn.last_error


def test_hook_connect_disconnect__wipes_credentials_and_keeps_settings(client_a, org_a):
    _connect(org_a, keep="me", revoke_works=False)
    page = client_a.post(f"/settings/integrations/{KEY}/disconnect", follow=True)
    assert "FakeCRM was unreachable" in page.content.decode()
    with org_a:
        conn = get_connection(KEY)
        assert conn.status == "disconnected"
        assert conn.credentials == {}
        assert conn.settings["keep"] == "me"


# --- sync --------------------------------------------------------------------------------------


REMOTE = [
    {"external_id": "r1", "email": "Ann@Example.com", "first_name": "Ann", "company": "A Co"},
    {"external_id": "r2", "email": "bob@example.com", "first_name": "Bob"},
    {"external_id": "r3", "email": None, "first_name": "No-Email"},
    {"external_id": "r4", "email": "dora@example.com", "first_name": "Dora"},
    {"external_id": "r5", "email": "eve@example.com", "first_name": "Eve"},
]


def _sync_now(client):
    return client.post(f"/settings/integrations/{KEY}/sync", follow=True).content.decode()


def test_hook_sync_contacts__pages_are_persisted_and_existing_contacts_linked(
        client_a, org_a, celery_eager, django_capture_on_commit_callbacks):
    _connect(org_a, remote_contacts=REMOTE)
    with org_a:
        existing = Contact.objects.create(email="ann@example.com", first_name="Old")
    with django_capture_on_commit_callbacks(execute=True):
        page = _sync_now(client_a)
    assert "Sync started" in page
    with org_a:
        run = SyncRun.objects.get()
        assert (run.status, run.processed, run.total, run.created, run.updated) == \
            ("succeeded", 5, 5, 4, 1)
        assert run.api_calls == 3  # three pages of two
        assert Contact.objects.count() == 5  # Ann was linked, not duplicated
        existing.refresh_from_db()
        assert existing.first_name == "Ann" and existing.company == "A Co"
        assert ExternalLink.objects.get(external_id="r1").contact == existing
        assert Contact.objects.filter(email="").count() == 1  # synced even without email
        assert get_connection(KEY).sync_checkpoint == {"offset": 5}


def test_sync_resumes_from_the_checkpoint_after_a_failure(
        client_a, org_a, celery_eager, django_capture_on_commit_callbacks):
    conn = _connect(org_a, remote_contacts=REMOTE, fail_at_offset=2)
    with django_capture_on_commit_callbacks(execute=True):
        _sync_now(client_a)
    with org_a:
        run = SyncRun.objects.get()
        assert run.status == "failed" and "went away" in run.error
        assert Contact.objects.count() == 2
        conn.refresh_from_db()
        assert conn.sync_checkpoint == {"offset": 2}
        conn.settings = {"remote_contacts": REMOTE}
        conn.save()
    with django_capture_on_commit_callbacks(execute=True):
        _sync_now(client_a)
    with org_a:
        second = SyncRun.objects.order_by("-pk").first()
        assert (second.status, second.processed, second.created) == ("succeeded", 3, 3)
        assert Contact.objects.count() == 5
        assert ExternalLink.objects.count() == 5


def test_a_second_sync_while_one_runs_says_so(client_a, org_a):
    conn = _connect(org_a, remote_contacts=REMOTE)
    with org_a:
        SyncRun.objects.create(connection=conn)
    assert "already running" in _sync_now(client_a)
    with org_a:
        assert SyncRun.objects.count() == 1


def test_sync_needs_a_connection(client_a, org_a):
    assert "connect it before syncing" in _sync_now(client_a)


def test_deleted_records_unlink_and_merged_records_follow_the_survivor(org_a):
    from host.contracts import ExternalContact
    from host.sync import apply_contacts

    with org_a:
        apply_contacts(KEY, [ExternalContact(external_id=r["external_id"], email=r["email"])
                             for r in REMOTE[:2]])
        ann = Contact.objects.get(email="ann@example.com")
        counts = apply_contacts(KEY, [
            ExternalContact(external_id="r1", deleted=True, merged_into="r9"),
            ExternalContact(external_id="r2", deleted=True),
        ])
        assert counts.deleted == 2
        assert ExternalLink.objects.get(external_id="r9").contact == ann
        assert not ExternalLink.objects.filter(external_id="r2").exists()
        assert Contact.objects.filter(email="bob@example.com").exists()  # unlinked, not deleted
        assert len(counts.unlinked) == 1


# --- pushback ----------------------------------------------------------------------------------


def test_hook_pushback_write__reported_scores_reach_linked_connected_crms(
        org_a, celery_eager, django_capture_on_commit_callbacks):
    import uuid

    from fake_crm.models import PushedScore

    from host.contracts import ExternalContact
    from host.scores import report_score
    from host.sync import apply_contacts

    _connect(org_a)
    with org_a:
        apply_contacts(KEY, [ExternalContact(external_id="r1", email="ann@example.com")])
        ann = Contact.objects.get(email="ann@example.com")
        loner = Contact.objects.create(email="loner@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            assert report_score(response_id=uuid.uuid4(), contact_id=ann.pk, kind="nps",
                                score=9, answered_at=timezone.now()) == 1
            assert report_score(response_id=uuid.uuid4(), contact_id=loner.pk, kind="nps",
                                score=3, answered_at=timezone.now()) == 0
        assert list(PushedScore.objects.values_list("external_id", "kind", "score")) == \
            [("r1", "nps", 9)]


# --- trigger -----------------------------------------------------------------------------------


def _won_event(sequence, deal="deal-1", won=True, email="won@example.com"):
    from host.events import accept_event

    return accept_event(KEY, f"deal:{deal}:won", "deal_won", {
        "won": won, "deal_id": deal, "email": email, "sequence_id": str(sequence.pk)})


def test_hook_trigger_interpret_event__won_deal_enrolls_its_contact(
        org_a, celery_eager, django_capture_on_commit_callbacks):
    from plugins.sequences.models import Sending
    from tests.sequences.factories import active_sequence

    _connect(org_a)
    with org_a:
        sequence = active_sequence()
        with django_capture_on_commit_callbacks(execute=True):
            event, created = _won_event(sequence)
        assert created
        event.refresh_from_db()
        assert event.status == "processed" and event.result["sendings_created"] == 1
        sending = Sending.objects.get()
        assert (sending.source, sending.reference) == ("auto", "deal-1")
        with django_capture_on_commit_callbacks(execute=True):
            duplicate, created = _won_event(sequence)
        assert not created and duplicate.pk == event.pk
        assert Sending.objects.count() == 1


def test_events_are_ignored_with_the_exact_reason(org_a, celery_eager,
                                                  django_capture_on_commit_callbacks):
    from tests.sequences.factories import active_sequence

    with org_a:
        sequence = active_sequence()
        with django_capture_on_commit_callbacks(execute=True):
            not_connected, _ = _won_event(sequence, deal="d1")
    _connect(org_a)
    with org_a:
        with django_capture_on_commit_callbacks(execute=True):
            lost, _ = _won_event(sequence, deal="d2", won=False)
        for event in (not_connected, lost):
            event.refresh_from_db()
        assert (not_connected.status, not_connected.reason) == ("ignored", "disconnected")
        assert (lost.status, lost.reason) == ("ignored", "not won")


def test_hook_trigger_enroll__runtime_refusal_marks_the_event_failed(
        org_a, celery_eager, django_capture_on_commit_callbacks):
    from host.events import replay
    from plugins.sequences.models import Sending, Sequence
    from tests.sequences.factories import active_sequence

    _connect(org_a)
    with org_a:
        sequence = active_sequence()
        Sequence.objects.filter(pk=sequence.pk).update(status="paused")
        with django_capture_on_commit_callbacks(execute=True):
            event, _ = _won_event(sequence)
        event.refresh_from_db()
        assert event.status == "failed" and "paused" in event.reason
        assert not Sending.objects.exists()
        Sequence.objects.filter(pk=sequence.pk).update(status="active")
        with django_capture_on_commit_callbacks(execute=True):
            replay(event)
        event.refresh_from_db()
        assert event.status == "processed"
        assert Sending.objects.count() == 1


def test_hook_platform_nav_items__plugins_add_navigation(client_a):
    page = client_a.get("/").content.decode()
    assert '<a href="/sequences">Sequences</a>' in page
    assert '<a href="/sendings">Sendings</a>' in page


def test_a_plugin_failure_keeps_the_event_pending_visibly_then_gives_up(
        org_a, celery_eager, django_capture_on_commit_callbacks, monkeypatch):
    from host import events
    from plugins.sequences.models import Sending
    from tests.sequences.factories import active_sequence

    _connect(org_a)
    with org_a:
        sequence = active_sequence()
        monkeypatch.setattr(events, "MAX_ATTEMPTS", 2)
        from host.events import accept_event

        event, _ = accept_event(KEY, "broken-1", "deal_won",  # no deal_id: the plugin raises
                                {"won": True, "email": "x@example.com",
                                 "sequence_id": str(sequence.pk)})
        events.process_event(event.pk)
        event.refresh_from_db()
        assert (event.status, event.attempts) == ("pending", 1)
        assert event.reason.startswith("will retry: KeyError")
        events.process_event(event.pk)
        event.refresh_from_db()
        assert (event.status, event.attempts) == ("failed", 2)
        assert event.reason.startswith("gave up after 2 attempts")
        assert not Sending.objects.exists()


def test_mass_deletions_cost_a_constant_number_of_queries(org_a):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from host.contracts import ExternalContact
    from host.sync import apply_contacts

    with org_a:
        for n in (5, 200):
            ids = [f"del{n}-{i}" for i in range(n)]
            apply_contacts(KEY, [ExternalContact(external_id=i, email=f"{i}@example.com")
                                 for i in ids])
            with CaptureQueriesContext(db) as queries:
                counts = apply_contacts(KEY, [ExternalContact(external_id=i, deleted=True)
                                              for i in ids])
            assert counts.deleted == n
            if n == 5:
                few = len(queries.captured_queries)
        assert len(queries.captured_queries) <= few + 200 // 100  # Django deletes 100 ids a batch


def test_settings_updates_from_stale_copies_do_not_overwrite_each_other(org_a):
    from host.models import IntegrationConnection

    with org_a:
        get_connection(KEY)
        page_a = IntegrationConnection.objects.get(provider=KEY)  # two sections, loaded at once
        page_b = IntegrationConnection.objects.get(provider=KEY)
        page_a.update_settings(lambda values: values.update(trigger_mode="both"))
        page_b.update_settings(lambda values: values.update(field_mapping={"nps_field": "X__c"}))
        saved = IntegrationConnection.objects.get(provider=KEY).settings
        assert saved == {"trigger_mode": "both", "field_mapping": {"nps_field": "X__c"}}
        assert page_b.settings == saved
