"""The survey and reminder emails, in the contact's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from host.links import org_base_url

SUBJECTS = {
    ("survey", "en"): "{org} wants your feedback",
    ("survey", "fr"): "{org} aimerait avoir votre avis",
    ("reminder", "en"): "Reminder: {org} wants your feedback",
    ("reminder", "fr"): "Rappel : {org} aimerait avoir votre avis",
}


def survey_url(org, sending) -> str:
    return f"{org_base_url(org)}/s/{sending.token}"


def unsubscribe_url(org, sending) -> str:
    return f"{org_base_url(org)}/s/{sending.token}/unsubscribe"


def build_email(org, sending, step, survey, from_name: str) -> EmailMultiAlternatives:
    contact = sending.contact
    language = contact.preferred_language if contact.preferred_language in ("en", "fr") else "en"
    context = {
        "org_name": org.name,
        "first_name": contact.first_name,
        "question": survey.question(language),
        "survey_url": survey_url(org, sending),
        "unsubscribe_url": unsubscribe_url(org, sending),
        "reminder": step.kind == "reminder",
        "scale": list(survey.scale),
    }
    with translation.override(language):
        text = render_to_string(f"sequences/email/survey_{language}.txt", context)
        html = render_to_string(f"sequences/email/survey_{language}.html", context)
    sender = settings.DEFAULT_FROM_EMAIL
    if from_name or org.name:
        sender = f"{(from_name or org.name).replace('<', '').replace('>', '')} <{sender}>"
    message = EmailMultiAlternatives(
        subject=SUBJECTS[(step.kind, language)].format(org=org.name),
        body=text, from_email=sender, to=[contact.email],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )
    message.attach_alternative(html, "text/html")
    return message
