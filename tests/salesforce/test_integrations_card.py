"""The Salesforce card on Settings > Integrations carries the user guide's controls.

Guide step 02: "Go to Settings > Integrations. Click Connect Salesforce. Complete OAuth in
Salesforce. Return to demeterrr and confirm Connected status. After connection, open Configure
on the Salesforce card." Step 08: "From the Salesforce card in Integrations: Sync Now triggers
contact sync; Disconnect stops sync and trigger behavior."
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from host.integrations import get_connection
from host.models import ExternalLink, SyncRun
from tenants.models import Membership, OAuthState
from tests.conftest import host_of
from tests.salesforce.conftest import KEY, begin, callback, connect, consent, page_text

CARDS = "/settings/integrations"


def card_html(client) -> str:
    """The Salesforce card's HTML on Settings > Integrations."""
    page = page_text(client.get(CARDS))
    match = re.search(r'<article class="card integration-card" aria-labelledby="card-salesforce">'
                      r'(.*?)</article>', page, re.S)
    assert match, page
    return match.group(1)


def buttons(card: str) -> list[str]:
    """Labels of the card's buttons and button-styled links, in order."""
    return [re.sub(r"\s+", " ", label).strip()
            for label in re.findall(r'<(?:button|a class="button[^"]*")[^>]*>(.*?)</', card, re.S)]


def test_before_connection_the_card_offers_connect_salesforce(sf, client_a):
    card = card_html(client_a)
    assert "Not connected" in card
    assert buttons(card) == ["Connect Salesforce", "Configure"]
    assert f'action="/settings/integrations/{KEY}/connect"' in card
    assert 'name="csrfmiddlewaretoken"' in card  # a POST with CSRF, not a link
    assert "OAuth setup error" not in card


def test_connect_needs_the_csrf_token(sf, org_a):
    from tests.conftest import owner_of

    strict = Client(HTTP_HOST=host_of(org_a), enforce_csrf_checks=True)
    strict.force_login(owner_of(org_a))
    assert strict.post(f"/settings/integrations/{KEY}/connect", {"next": "integrations"}
                       ).status_code == 403
    assert not OAuthState.objects.exists()


def test_missing_client_settings_disable_connect_and_name_them(sf, client_a, settings):
    settings.SALESFORCE_CLIENT_ID = ""
    settings.SALESFORCE_CLIENT_SECRET = ""
    card = card_html(client_a)
    assert "OAuth setup error" in card
    assert "<code>SALESFORCE_CLIENT_ID</code>" in card
    assert "<code>SALESFORCE_CLIENT_SECRET</code>" in card
    assert re.search(r"<button[^>]*disabled[^>]*>Connect Salesforce</button>", card)
    # Posting anyway lands back on the card with the error, and starts nothing.
    response = client_a.post(f"/settings/integrations/{KEY}/connect", {"next": "integrations"},
                             follow=True)
    assert response.redirect_chain[-1][0] == CARDS
    assert "SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET are not set" in page_text(response)
    assert not OAuthState.objects.exists()


def test_connect_from_the_card_lands_back_on_the_card_connected(sf, client_a, org_a):
    authorize = begin(client_a, next="integrations")
    page = callback(client_a, org_a, consent(authorize))
    assert page.redirect_chain[-1][0] == CARDS
    text = page_text(page)
    assert "Salesforce is connected as admin@acme-demo.example — org" in text
    card = card_html(client_a)
    assert 'status-connected">Connected<' in card
    assert "Connected as admin@acme-demo.example" in card
    assert buttons(card) == ["Configure", "Sync Now", "Disconnect"]
    assert 'href="/settings/integrations/salesforce"' in card  # Configure opens the page


def test_connect_from_the_configure_page_lands_back_there(sf, client_a, org_a):
    page = connect(client_a, org_a)
    assert page.redirect_chain[-1][0] == "/settings/integrations/salesforce"
    assert "Salesforce is connected as" in page_text(page)


def test_a_foreign_next_never_redirects_off_the_org(sf, client_a, org_a):
    authorize = begin(client_a, next="https://evil.example/phish")
    assert OAuthState.objects.get().return_to == "/settings/integrations/salesforce"
    page = callback(client_a, org_a, consent(authorize))
    assert page.redirect_chain[-1][0] == "/settings/integrations/salesforce"


def test_an_oauth_error_also_lands_where_the_admin_started(sf, client_a, org_a):
    page = callback(client_a, org_a, consent(begin(client_a, next="integrations"), "deny"))
    assert page.redirect_chain[-1][0] == CARDS
    assert "Authorization was not granted" in page_text(page)
    assert "Not connected" in card_html(client_a)


def test_sync_now_on_the_card_syncs_and_shows_the_outcome(
        sf, client_a, org_a, celery_eager, django_capture_on_commit_callbacks):
    sf.state.reset(seed="demo", contacts=12, accounts=2, opportunities=0)
    connect(client_a, org_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(f"/settings/integrations/{KEY}/sync", {"next": "integrations"},
                                 follow=True)
    assert response.redirect_chain[-1][0] == CARDS
    assert "Sync started." in page_text(response)
    run = SyncRun.objects.get()
    assert run.status == "succeeded"
    assert ExternalLink.objects.filter(provider=KEY).count() == run.processed == 12
    card = card_html(client_a)
    assert re.search(rf"Last sync: \d{{4}}-\d\d-\d\d \d\d:\d\d — Succeeded, {run.processed} records",
                     card)
    assert "data-progress-url=\"/settings/integrations/salesforce/sync/progress\"" in card


def test_a_running_sync_shows_its_progress_on_the_card(sf, client_a, org_a):
    connect(client_a, org_a)
    run = SyncRun.objects.create(connection=get_connection(KEY), total=5000, processed=2000)
    card = card_html(client_a)
    assert re.search(r'<div class="sync-progress" >', card)  # not hidden
    assert "Syncing: <span class=\"sync-progress-text\">2000 of 5000 records</span>" in card
    assert 'value="2000"' in card and 'max="5000"' in card
    assert "Last sync:" not in card  # the bar stands for the running run
    progress = client_a.get(f"/settings/integrations/{KEY}/sync/progress").json()
    assert progress["status"] == "running" and progress["processed"] == 2000
    run.delete()


def test_disconnect_on_the_card_confirms_what_stops_then_disconnects(sf, client_a, org_a):
    connect(client_a, org_a)
    card = card_html(client_a)
    link = re.search(r'<a class="button secondary" href="([^"]+)">Disconnect</a>', card).group(1)
    assert link == f"/settings/integrations/{KEY}/disconnect?next=integrations"
    confirm = page_text(client_a.get(link))
    assert "Disconnect Salesforce?" in confirm
    assert "Disconnecting stops contact sync, triggers and score pushback for Org A" in confirm
    assert "Your settings are kept" in confirm
    assert get_connection(KEY).is_connected  # looking at the confirmation changes nothing
    response = client_a.post(f"/settings/integrations/{KEY}/disconnect",
                             {"next": "integrations"}, follow=True)
    assert response.redirect_chain[-1][0] == CARDS
    assert "Salesforce is disconnected." in page_text(response)
    card = card_html(client_a)
    assert "Not connected" in card
    assert buttons(card) == ["Connect Salesforce", "Configure"]
    assert get_connection(KEY).status == "disconnected"


def test_needs_attention_offers_reconnect_on_the_card(sf, client_a, org_a):
    connect(client_a, org_a)
    get_connection(KEY).mark_needs_attention("invalid_grant: expired access/refresh token")
    card = card_html(client_a)
    assert "Needs attention" in card
    assert "sync, triggers and score pushback are paused" in card
    assert buttons(card) == ["Reconnect", "Configure", "Disconnect"]
    page = callback(client_a, org_a, consent(begin(client_a, next="integrations")))
    assert page.redirect_chain[-1][0] == CARDS
    assert 'status-connected">Connected<' in card_html(client_a)


@pytest.fixture
def member_client(org_a):
    user = get_user_model().objects.create_user(username="member@org-a.example",
                                                email="member@org-a.example", password="x-9-y-8")
    Membership.objects.create(user=user, organization=org_a, role=Membership.Role.MEMBER)
    client = Client(HTTP_HOST=host_of(org_a))
    client.force_login(user)
    return client


def test_a_member_sees_the_status_but_no_buttons(sf, client_a, org_a, member_client):
    connect(client_a, org_a)
    card = card_html(member_client)
    assert 'status-connected">Connected<' in card
    assert buttons(card) == []
    assert "<form" not in card
    assert "Only owners and admins of Org A can connect" in page_text(member_client.get(CARDS))
    for path in ("connect", "sync", "disconnect"):
        assert member_client.post(f"/settings/integrations/{KEY}/{path}").status_code == 403
    assert get_connection(KEY).is_connected


def test_every_integration_gets_the_same_card(client_a):
    """The card is the host's: the fake CRM test plugin gets Connect <Name> without any code."""
    page = page_text(client_a.get(CARDS))
    fake = re.search(r'aria-labelledby="card-fake_crm">(.*?)</article>', page, re.S).group(1)
    assert buttons(fake) == ["Connect FakeCRM", "Configure"]
