"""Staff pages of the runtime: sequences and their steps, sendings, contacts, sending settings."""

from __future__ import annotations

import html

from host.contracts import TriggerContact
from host.models import Contact
from host.trigger import enroll
from plugins.sequences.models import SendingSettings, Sequence, Step, Survey
from tests.sequences.factories import active_sequence
from tests.sequences.test_enrollment import req


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_create_a_sequence_add_steps_and_activate_it(client_a, org_a):
    response = client_a.post("/sequences", {"name": "Onboarding CSAT"})
    with org_a:
        sequence = Sequence.objects.get(name="Onboarding CSAT")
        csat = Survey.objects.get(kind="csat")
    assert response["Location"] == f"/sequences/{sequence.pk}"
    edit = f"/sequences/{sequence.pk}"
    refused = client_a.post(f"{edit}/status", {"status": "active"}, follow=True)
    assert "A sequence with no steps cannot be activated." in text(refused)
    missing = client_a.post(edit, {"step-kind": "survey", "step-delay_hours": "0"})
    assert missing.status_code == 400 and "Choose the survey this email sends." in text(missing)
    client_a.post(edit, {"step-kind": "survey", "step-survey": str(csat.pk),
                         "step-delay_hours": "0"})
    client_a.post(edit, {"step-kind": "reminder", "step-delay_hours": "48"})
    page = text(client_a.post(f"{edit}/status", {"status": "active"}, follow=True))
    assert "Sequence is now active." in page
    with org_a:
        sequence.refresh_from_db()
        assert sequence.status == "active"
        assert list(sequence.steps.values_list("position", "kind", "delay_hours")) == [
            (1, "survey", 0), (2, "reminder", 48)]


def test_an_active_sequence_keeps_its_last_step(client_a, org_a):
    with org_a:
        sequence = active_sequence(steps=(("survey", 0),))
        step = Step.objects.get(sequence=sequence)
    page = text(client_a.post(f"/sequences/{sequence.pk}/steps/{step.pk}/delete", follow=True))
    assert "needs at least one step" in page
    with org_a:
        assert Step.objects.filter(pk=step.pk).exists()


def test_sendings_list_filters_by_status_and_shows_history(client_a, org_a):
    with org_a:
        sequence = active_sequence(steps=(("survey", 24),))
        enroll(req(sequence, TriggerContact(email="late@example.com"), source="manual"))
        enroll(req(sequence, TriggerContact(email="gone@example.com"), source="manual"))
        Contact.objects.filter(email="gone@example.com").update(unsubscribed=True)
    listing = text(client_a.get("/sendings", {"status": "scheduled"}))
    assert "late@example.com" in listing and "gone@example.com" in listing
    assert "late@example.com" not in text(client_a.get("/sendings", {"status": "sent"}))
    with org_a:
        sending = sequence.sendings.get(contact__email="late@example.com")
    detail = text(client_a.get(f"/sendings/{sending.pk}"))
    assert "created" in detail and "Scheduled" in detail


def test_contacts_search(client_a, org_a):
    with org_a:
        Contact.objects.create(email="ann@example.com", first_name="Ann", company="Globex")
        Contact.objects.create(email="bob@example.com", first_name="Bob", company="Initech")
    page = text(client_a.get("/contacts", {"q": "glob"}))
    assert "ann@example.com" in page and "bob@example.com" not in page


def test_sending_settings_validate_and_save(client_a, org_a):
    bad = client_a.post("/settings/sending", {"from_name": "Acme", "cooldown_days": "-3"})
    assert bad.status_code == 400
    client_a.post("/settings/sending", {"from_name": "Acme Support", "cooldown_days": "30"})
    with org_a:
        settings = SendingSettings.load()
        assert (settings.from_name, settings.cooldown_days) == ("Acme Support", 30)


def test_outbox_exists_only_in_development(client_a, settings):
    assert client_a.get("/dev/outbox").status_code == 404
    settings.DEBUG = True
    assert "Outbox" in text(client_a.get("/dev/outbox"))
