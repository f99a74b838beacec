"""The main navigation marks the current page and lists only what the user's role can open; a
member who follows a link to an admin page gets the branded 403 saying who can do it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory

from host.views.errors import permission_denied
from tenants.models import Membership
from tests.conftest import host_of


@pytest.fixture
def member_client(org_a):
    user = get_user_model().objects.create_user(
        username="member@org-a.example", email="member@org-a.example", password="x-9-y-8")
    Membership.objects.create(user=user, organization=org_a, role=Membership.Role.MEMBER)
    client = Client(HTTP_HOST=host_of(org_a), raise_request_exception=False)
    client.force_login(user)
    return client


def nav_links(response) -> list[tuple[str, str, str]]:
    """(label, href, aria-current) of each link in the main navigation."""
    html = response.content.decode()
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return [(label.replace("&gt;", ">"), href, current or "")
            for href, current, label in re.findall(
                r'<a href="([^"]+)"(?: aria-current="([^"]+)")?>([^<]+)</a>', nav)]


def labels(response) -> list[str]:
    return [label for label, _, _ in nav_links(response)]


def test_owners_see_every_settings_page_members_only_what_they_can_open(client_a, member_client):
    owner = labels(client_a.get("/"))
    assert owner == ["Home", "Responses", "Sequences", "Sendings", "Contacts", "Settings > Sending",
                     "Settings > API", "Settings > Integrations"]
    member = labels(member_client.get("/"))
    assert member == ["Home", "Responses", "Sequences", "Sendings", "Contacts",
                      "Settings > Integrations"]
    # Every link a member is shown opens for them.
    for _, href, _ in nav_links(member_client.get("/")):
        assert member_client.get(href).status_code == 200, href


def test_the_current_page_is_marked_and_a_page_below_marks_its_section(client_a, org_a):
    current = {label: mark for label, _, mark in nav_links(client_a.get("/settings/api"))}
    assert current["Settings > API"] == "page"
    assert [label for label, mark in current.items() if mark] == ["Settings > API"]
    home = {label: mark for label, _, mark in nav_links(client_a.get("/"))}
    assert home["Home"] == "page" and not home["Sequences"]
    # The Salesforce configure page sits below Settings > Integrations.
    below = {label: mark for label, _, mark in
             nav_links(client_a.get("/settings/integrations/salesforce"))}
    assert below["Settings > Integrations"] == "true" and not below["Home"]


@pytest.mark.parametrize("path, says", [
    ("/settings/api", "manage API keys"),
    ("/settings/sending", "change the sending settings"),
    ("/settings/integrations/salesforce", "configure the Salesforce integration"),
    ("/settings/integrations/fake_crm", "configure, connect, sync or disconnect integrations"),
    ("/settings/integrations/fake_crm/queue", "trigger surveys from the manual queue"),
])
def test_a_member_on_an_admin_page_gets_the_branded_403_saying_who_can(member_client, path,
                                                                       says):
    response = member_client.get(path)
    assert response.status_code == 403
    html = response.content.decode()
    assert f"Only owners and admins of Org A can {says}." in html
    assert "You do not have access to this page" in html
    assert '<a class="brand"' in html and '<nav aria-label="Main">' in html  # the site layout
    assert "a member of Org A" in html


def test_other_permission_denied_messages_are_not_shown(org_a):
    request = RequestFactory().get("/x", HTTP_HOST=host_of(org_a))
    request.tenant = org_a
    html = permission_denied(request, PermissionDenied("internal detail 4711")).content.decode()
    assert "internal detail 4711" not in html
    assert "You do not have access to this page" in html


def test_members_still_see_integration_statuses_and_the_sync_progress(member_client):
    assert member_client.get("/settings/integrations").status_code == 200
    progress = member_client.get("/settings/integrations/salesforce/sync/progress")
    assert progress.status_code == 200 and progress.json()["status"] == "none"
