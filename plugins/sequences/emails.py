"""The survey and reminder emails, in the contact's language (gettext catalogs, see
``plugins.sequences.languages``).

Bulk-sender rules (Gmail, Yahoo; RFC 8058): every email names its one-click unsubscribe URL in
``List-Unsubscribe`` with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (the URL must be
https, i.e. ``ORG_URL_SCHEME`` in production; the operator's mail server signs both headers
with DKIM). The sender is the organization: its name (or its From name) as display name and
its own optional reply-to address.
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from host.links import org_base_url
from plugins.sequences.languages import contact_language

# Subjects by step kind, translated when the email is built (gettext_noop marks them for the
# catalogs).
SUBJECTS = {
    "survey": gettext_noop("%(org)s wants your feedback"),
    "reminder": gettext_noop("Reminder: %(org)s wants your feedback"),
}


def survey_url(org, sending) -> str:
    return f"{org_base_url(org)}/s/{sending.token}"


def unsubscribe_url(org, sending) -> str:
    return f"{org_base_url(org)}/s/{sending.token}/unsubscribe"


def sender_address(display_name: str) -> str:
    """``DEFAULT_FROM_EMAIL``'s address under ``display_name``, quoted and encoded so that no
    name (commas, quotes, angle brackets, line breaks, non-ASCII) can add or change addresses."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    name = " ".join((display_name or "").split())  # no CR/LF/tabs: one header line
    return formataddr((name, address), charset="utf-8") if name else address


def build_email(org, sending, step, survey, from_name: str,
                reply_to: str = "") -> EmailMultiAlternatives:
    contact = sending.contact
    language = contact_language(contact)
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
        text = render_to_string("sequences/email/survey.txt", context)
        html = render_to_string("sequences/email/survey.html", context)
        subject = gettext(SUBJECTS[step.kind]) % {"org": " ".join(org.name.split())}
    message = EmailMultiAlternatives(
        subject=subject,
        body=text, from_email=sender_address(from_name or org.name), to=[contact.email],
        reply_to=[reply_to] if reply_to else None,
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message
