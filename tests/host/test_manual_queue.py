"""The manual queue: linked contacts not triggered yet → select, pick a sequence, Trigger."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from host.contracts import ExternalContact
from host.integrations import get_connection
from host.models import ExternalLink
from host.sync import apply_contacts
from plugins.sequences.models import Sending
from tests.sequences.factories import active_sequence

KEY = "fake_crm"
URL = f"/settings/integrations/{KEY}/queue"


@pytest.fixture
def linked(org_a):
    with org_a:
        apply_contacts(KEY, [ExternalContact(external_id=f"r{i}", email=f"p{i}@example.com",
                                             first_name=f"P{i}", company="Acme" if i < 3 else "Beta")
                             for i in range(6)]
                       + [ExternalContact(external_id="nomail", first_name="Nomail")])
        sequence = active_sequence(steps=(("survey", 0),))
    return sequence


def _ids(org, *emails):
    from host.models import Contact

    with org:
        return [str(c.pk) for c in Contact.objects.filter(email__in=emails).order_by("email")]


def test_queue_lists_untriggered_linked_contacts_and_marks_missing_email(client_a, linked):
    page = client_a.get(URL).content.decode()
    assert page.count('class="row-select"') == 6
    assert "no email (not triggerable)" in page
    assert linked.name in page


def test_search_by_account(client_a, linked):
    page = client_a.get(URL, {"q": "acme"}).content.decode()
    assert page.count('class="row-select"') == 3


def test_trigger_selected_contacts_creates_sendings_and_they_leave_the_queue(
        client_a, org_a, linked):
    chosen = _ids(org_a, "p0@example.com", "p1@example.com")
    response = client_a.post(URL, {"sequence": str(linked.pk), "contact": chosen}, follow=True)
    page = response.content.decode()
    assert f"2 queued in &#x27;{linked.name}&#x27;" in page
    assert page.count('class="row-select"') == 4
    with org_a:
        assert Sending.objects.filter(source="manual", provider=KEY).count() == 2
        assert ExternalLink.objects.filter(last_triggered_at__isnull=False).count() == 2
    again = client_a.post(URL, {"sequence": str(linked.pk), "contact": chosen}, follow=True)
    assert "0 queued" in again.content.decode()  # already out of the queue: nothing doubles
    with org_a:
        assert Sending.objects.count() == 2


def test_trigger_every_match_with_skip_reasons(client_a, org_a, linked):
    with org_a:
        from host.models import Contact

        Contact.objects.filter(email="p5@example.com").update(unsubscribed=True)
    page = client_a.post(URL, {"sequence": str(linked.pk), "scope": "all", "q": "beta"},
                         follow=True).content.decode()
    assert "2 queued" in page and "skipped: 1 unsubscribed" in page


def test_trigger_needs_a_sequence_and_contacts(client_a, linked, org_a):
    assert "Select a sequence" in client_a.post(URL, {"contact": _ids(org_a, "p0@example.com")},
                                                follow=True).content.decode()
    assert "Select one or more contacts" in client_a.post(
        URL, {"sequence": str(linked.pk)}, follow=True).content.decode()
    with org_a:
        assert not Sending.objects.exists()


def test_inactive_sequence_is_refused_with_its_reason(client_a, org_a, linked):
    with org_a:
        linked.status = "paused"
        linked.save()
    page = client_a.post(URL, {"sequence": str(linked.pk),
                               "contact": _ids(org_a, "p0@example.com")}, follow=True)
    assert "is paused" in page.content.decode()


def test_queue_is_off_in_auto_mode(client_a, org_a, linked):
    with org_a:
        conn = get_connection(KEY)
        conn.settings = {"trigger_mode": "auto"}
        conn.save()
    page = client_a.get(URL).content.decode()
    assert "The manual queue is off" in page
    client_a.post(URL, {"sequence": str(linked.pk), "scope": "all"})
    with org_a:
        assert not Sending.objects.exists()


def test_queue_page_query_count_is_constant(client_a, org_a, linked):
    with org_a:
        apply_contacts(KEY, [ExternalContact(external_id=f"x{i}", email=f"x{i}@example.com")
                             for i in range(120)])
    client_a.get(URL)  # warm-up: per-process first-use queries
    with CaptureQueriesContext(connection) as small:
        client_a.get(URL, {"q": "acme"})
    with CaptureQueriesContext(connection) as big:
        client_a.get(URL, {"page": 2})
    assert len(big.captured_queries) == len(small.captured_queries)
    real = [q for q in big.captured_queries if not q["sql"].startswith("SET search_path")]
    assert len(real) <= 9, [q["sql"][:80] for q in real]


def test_another_orgs_contacts_cannot_be_triggered(client_a, org_b, linked):
    with org_b:
        apply_contacts(KEY, [ExternalContact(external_id="b1", email="b1@example.com")])
    foreign = _ids(org_b, "b1@example.com")
    page = client_a.post(URL, {"sequence": str(linked.pk), "contact": foreign}, follow=True)
    assert "Select one or more contacts" in page.content.decode()


def test_hook_trigger_list_sequences__pickers_offer_active_sequences(in_org_a):
    from host.trigger import sequences
    from tests.sequences.factories import SequenceFactory

    active = active_sequence(name="B active")
    draft = SequenceFactory(name="A draft")
    assert [s.name for s in sequences(active_only=True)] == ["B active"]
    assert [(s.id, s.status) for s in sequences(active_only=False)] == [
        (draft.pk, "draft"), (active.pk, "active")]
