"""One form rendering for the site, errors announced as alerts, query strings URL-encoded."""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

import pytest

from host.contracts import ExternalContact
from host.sync import apply_contacts
from tests.conftest import host_of

QUEUE = "/settings/integrations/fake_crm/queue"


class Ids(HTMLParser):
    """Every id in a page, and every aria-describedby / aria-invalid element."""

    def __init__(self):
        super().__init__()
        self.ids, self.described, self.invalid = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "aria-describedby" in attrs:
            self.described.append((attrs.get("name") or attrs.get("id") or tag,
                                   attrs["aria-describedby"].split()))
        if attrs.get("aria-invalid") == "true":
            self.invalid.append(attrs.get("name"))


def parse(response) -> Ids:
    ids = Ids()
    ids.feed(response.content.decode())
    return ids


def assert_errors_wired(response, *fields):
    """Each named field is aria-invalid and described by its error, which is on the page."""
    page = parse(response)
    for name, refs in page.described:
        missing = [ref for ref in refs if ref not in page.ids]
        assert not missing, f"{name} is described by missing ids {missing}"
    described = dict(page.described)
    for field in fields:
        assert field in page.invalid, f"{field} is not aria-invalid"
        assert any(ref.endswith("_error") for ref in described[field]), field


def alert_text(response) -> str:
    boxes = re.findall(r'<div class="errors" role="alert">(.*?)</div>',
                       response.content.decode(), re.S)
    return " ".join(" ".join(re.sub(r"<[^>]+>", " ", b).split()) for b in boxes)


def test_the_login_form_refuses_empty_input_next_to_each_field(org_a):
    from django.test import Client

    response = Client(HTTP_HOST=host_of(org_a)).post("/accounts/login/",
                                                     {"username": "", "password": ""})
    assert_errors_wired(response, "username", "password")
    assert alert_text(response) == "Check the fields marked below."
    page = response.content.decode()
    assert '<label for="id_username">Email</label>' in page


def test_a_wrong_password_is_a_form_error_on_top(org_a):
    from django.test import Client

    response = Client(HTTP_HOST=host_of(org_a)).post(
        "/accounts/login/", {"username": "nobody@example.com", "password": "nope"})
    assert alert_text(response).startswith("Please enter a correct email and password.")


@pytest.mark.parametrize("url, data, fields", [
    ("/settings/sending", {"from_name": "", "reply_to": "not-an-email", "cooldown_days": "x"},
     ["reply_to", "cooldown_days"]),
    ("/sequences", {"name": ""}, ["name"]),
    ("/settings/api", {"name": "", "scopes": ["root:*"], "expires_on": "2001-01-01"},
     ["name", "expires_on"]),
])
def test_the_sites_forms_share_one_rendering(client_a, url, data, fields):
    response = client_a.post(url, data)
    assert response.status_code in (200, 400)
    assert_errors_wired(response, *fields)
    assert alert_text(response).startswith("Check the field")


def test_checkbox_groups_are_fieldsets_described_by_their_error(client_a):
    response = client_a.post("/settings/api", {"name": "x"})
    page = response.content.decode()
    assert re.search(r'<fieldset aria-describedby="id_scopes_error">\s*<legend>Scopes</legend>',
                     page)
    assert 'id="id_scopes_error">Choose at least one scope.</p>' in page


def test_the_sequence_editor_and_salesforce_forms_use_the_shared_rendering(client_a, org_a):
    from tests.sequences.factories import active_sequence

    with org_a:
        sequence = active_sequence()
    response = client_a.post(f"/sequences/{sequence.pk}", {"step-kind": "survey",
                                                          "step-delay_hours": "-"})
    assert response.status_code == 400
    assert_errors_wired(response, "step-survey", "step-delay_hours")
    sf = client_a.post("/settings/integrations/salesforce/mapping",
                       {"nps_field": "not a name", "csat_field": "", "date_field": ""})
    assert_errors_wired(sf, "nps_field")
    page = client_a.get("/settings/integrations/salesforce").content.decode()
    assert re.search(r"<legend>Where do you sign in to Salesforce\?</legend>", page)
    assert re.search(r"<legend>Trigger mode</legend>", page)


def test_errors_are_alerts_and_other_messages_status(client_a, org_a):
    with org_a:
        apply_contacts("fake_crm", [ExternalContact(external_id="m1", email="m1@example.com")])
    error = client_a.post(QUEUE, {"contact": []}, follow=True).content.decode()
    assert re.search(r'<div class="messages" role="alert">\s*<p class="message error">'
                     r"Select a sequence.</p>", error)
    assert 'role="status"' not in error.split("<main")[1].split("</h1>")[0]
    saved = client_a.post("/settings/sending", {"from_name": "Acme", "cooldown_days": "30"},
                          follow=True).content.decode()
    assert re.search(r'<div class="messages" role="status">\s*<p class="message success">'
                     r"Sending settings saved.</p>", saved)
    assert 'class="messages" role="alert"' not in saved


# --- Query strings --------------------------------------------------------------------------


@pytest.fixture
def many_contacts(org_a):
    """55 contacts of "Zoë & Co R&D" (two pages of 50) and 10 others."""
    with org_a:
        apply_contacts("fake_crm", [
            ExternalContact(external_id=f"z{i}", email=f"z{i:02}@example.com",
                            first_name=f"Z{i:02}", company="Zoë & Co R&D") for i in range(55)]
            + [ExternalContact(external_id=f"o{i}", email=f"o{i}@example.com",
                               first_name=f"O{i}", company="Other") for i in range(10)])


def next_link(response) -> str:
    match = re.search(r'<a href="([^"]+)" rel="next">', response.content.decode())
    return htmllib.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize("search", ["R&D", "Zoë & Co"])
@pytest.mark.parametrize("path, row", [(QUEUE, 'class="row-select"'), ("/contacts", "<tr><td>")])
def test_pager_links_are_url_encoded_and_keep_the_search(client_a, many_contacts, search, path,
                                                         row):
    first = client_a.get(path, {"q": search})
    assert first.content.decode().count(row) == 50
    link = next_link(first)
    assert "&D" not in link.split("?q=", 1)[1].split("&page")[0]  # "&" inside the value encoded
    second = client_a.get(path + link)
    page = second.content.decode()
    assert "Page 2 of 2 (55)" in page
    assert page.count(row) == 5  # 60 would mean the search was lost, 0 that it was cut at "&"
    assert f'value="{htmllib.escape(search, quote=True)}"' in page


def test_the_queue_keeps_an_encoded_search_after_a_post(client_a, many_contacts):
    response = client_a.post(QUEUE, {"q": "R&D", "scope": "all"})
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?q=R%26D"


def test_the_sendings_filter_survives_paging(client_a, org_a):
    from host.models import Contact
    from plugins.sequences.models import Sending
    from tests.sequences.factories import active_sequence

    with org_a:
        sequence = active_sequence()
        contacts = Contact.objects.bulk_create(
            [Contact(email=f"s{i}@example.com") for i in range(52)])
        Sending.objects.bulk_create([Sending(contact=c, sequence=sequence, status="sent",
                                             source="api", idempotency_key=f"k{c.pk}")
                                     for c in contacts])
    link = next_link(client_a.get("/sendings", {"status": "sent"}))
    assert link == "?status=sent&page=2"
    assert client_a.get("/sendings" + link).content.decode().count("<tr><td><a href") == 2
