"""The survey page, the unsubscribe page and the emails in the contact's language, from the
gettext catalogs: French for a French contact, English for everyone else."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from host.models import Contact
from plugins.sequences.emails import build_email
from plugins.sequences.models import Sending
from tests.conftest import host_of
from tests.sequences.test_delivery import enrolled

pytestmark = pytest.mark.usefixtures("in_org_a")

# Every English text of the pages and emails (none may show in French).
ENGLISH = ["Your feedback", "not at all likely", "Anything to add?", ">Send<", "Unsubscribe",
           "Thank you!", "Choose a score", "You've been unsubscribed", "no longer receive",
           "Click below", "resubscribe", "Hi ", "would love your feedback", "quick reminder",
           "Answer the survey", "Answer here", "Don't want these emails", "Skip to content",
           "wants your feedback", "Reminder:"]


@pytest.fixture
def visitor(org_a):
    return Client(HTTP_HOST=host_of(org_a))


def page(response) -> str:
    return html.unescape(response.content.decode())


def assert_no_english(text: str) -> None:
    assert [e for e in ENGLISH if e in text] == []


def test_the_survey_page_in_french(visitor):
    sending = enrolled(language="fr")
    empty = visitor.post(f"/s/{sending.token}", {"score": ""})
    assert empty.status_code == 400 and empty["Content-Language"] == "fr"
    form = page(empty)
    assert '<html lang="fr">' in form and "<title>Votre avis · demeterrr</title>" in form
    assert "Aller au contenu" in form
    assert "Sur une échelle de 0 à 10, quelle est la probabilité" in form  # the org's question
    assert "0 = pas du tout probable, 10 = très probable" in form
    assert "Un commentaire ? (facultatif)" in form and ">Envoyer</button>" in form
    assert "Choisissez une note sur l'échelle." in form and ">Se désabonner</a>" in form
    assert_no_english(form)
    visitor.post(f"/s/{sending.token}", {"score": "9"})
    done = page(visitor.get(f"/s/{sending.token}"))
    assert "Merci ! Votre réponse : <strong>9</strong>" in done
    assert_no_english(done)


def test_the_unsubscribe_page_in_french(visitor):
    sending = enrolled(language="fr")
    asked = visitor.get(f"/s/{sending.token}/unsubscribe")
    assert asked["Content-Language"] == "fr"
    text = page(asked)
    assert "<title>Se désabonner des sondages · demeterrr</title>" in text
    assert "<h1>Se désabonner des sondages</h1>" in text
    assert "Cliquez ci-dessous pour ne plus recevoir de demandes de sondage." in text
    assert ">Se désabonner</button>" in text
    assert "Vous pourrez vous réabonner en contactant l'entreprise." in text
    assert_no_english(text)
    visitor.post(f"/s/{sending.token}/unsubscribe")
    done = page(visitor.get(f"/s/{sending.token}/unsubscribe"))
    assert "<h1>Vous êtes désabonné</h1>" in done
    assert "Vous ne recevrez plus de demandes de sondage de cette entreprise." in done
    assert_no_english(done)


def test_the_pages_in_english_for_english_and_unknown_languages(visitor):
    for email, language in (("en@example.com", "en"), ("de@example.com", "de")):
        sending = enrolled(email=email)
        Contact.objects.filter(pk=sending.contact_id).update(preferred_language=language)
        survey = visitor.get(f"/s/{sending.token}")
        assert survey["Content-Language"] == "en"
        text = page(survey)
        assert '<html lang="en">' in text and "<title>Your feedback · demeterrr</title>" in text
        assert "how likely are you to recommend us" in text
        assert "0 = not at all likely, 10 = extremely likely" in text
        assert "Anything to add? (optional)" in text and ">Send</button>" in text
        unsubscribe = page(visitor.get(f"/s/{sending.token}/unsubscribe"))
        assert "<h1>Unsubscribe from Surveys</h1>" in unsubscribe
        assert "You can resubscribe by contacting the company." in unsubscribe
        assert "désabonn" not in text + unsubscribe


def email_for(org, sending, kind: str, first_name: str = "Ann"):
    Contact.objects.filter(pk=sending.contact_id).update(first_name=first_name)
    sending = Sending.objects.select_related("contact", "sequence").get(pk=sending.pk)
    step = sending.sequence.steps.get(kind=kind)
    return build_email(org, sending, step, sending.sequence.survey, from_name="")


def test_the_survey_and_reminder_emails_in_french(org_a):
    sending = enrolled(language="fr")
    survey = email_for(org_a, sending, "survey")
    assert survey.subject == "Org A aimerait avoir votre avis"
    assert survey.body.startswith("Bonjour Ann !\n\nOrg A aimerait avoir votre avis. Cela prend "
                                  "30 secondes.\n\nSur une échelle de 0 à 10")
    assert f"Répondre ici : http://org-a.localhost:8000/s/{sending.token}\n" in survey.body
    assert ("Vous ne souhaitez plus recevoir ces courriels ? Se désabonner : "
            f"http://org-a.localhost:8000/s/{sending.token}/unsubscribe") in survey.body
    [(markup, _)] = survey.alternatives
    assert '<html lang="fr">' in markup and "<p>Bonjour Ann !</p>" in markup
    assert ">Répondre au sondage</a>" in markup and ">Se désabonner</a>" in markup
    assert "Vous ne souhaitez plus recevoir ces courriels ?" in markup
    for text in (survey.subject, survey.body, html.unescape(markup)):
        assert_no_english(text)

    reminder = email_for(org_a, sending, "reminder", first_name="")
    assert reminder.subject == "Rappel : Org A aimerait avoir votre avis"
    assert reminder.body.startswith("Bonjour !\n\nPetit rappel : Org A aimerait avoir votre avis.")
    assert "<p>Petit rappel : Org A aimerait avoir votre avis." in reminder.alternatives[0][0]
    for text in (reminder.subject, reminder.body, html.unescape(reminder.alternatives[0][0])):
        assert_no_english(text)


def test_the_emails_in_english(org_a):
    sending = enrolled()
    survey = email_for(org_a, sending, "survey")
    assert survey.subject == "Org A wants your feedback"
    assert survey.body.startswith("Hi Ann!\n\nOrg A would love your feedback. It takes 30 "
                                  "seconds.\n\nOn a scale of 0-10")
    assert "Don't want these emails? Unsubscribe: http://" in survey.body
    [(markup, _)] = survey.alternatives
    assert '<html lang="en">' in markup and ">Answer the survey</a>" in markup
    reminder = email_for(org_a, sending, "reminder", first_name="")
    assert reminder.subject == "Reminder: Org A wants your feedback"
    assert reminder.body.startswith("Hi!\n\nA quick reminder: Org A would love your feedback.")


def test_an_org_name_is_escaped_in_html_and_kept_as_is_in_text(org_a):
    org_a.name = 'Smith & "Sons" <b>'
    sending = enrolled(language="fr")
    email = email_for(org_a, sending, "survey")
    assert email.subject == 'Smith & "Sons" <b> aimerait avoir votre avis'
    assert 'Smith & "Sons" <b> aimerait avoir votre avis.' in email.body
    assert "Smith &amp; &quot;Sons&quot; &lt;b&gt; aimerait" in email.alternatives[0][0]
