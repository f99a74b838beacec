"""The language a contact reads their survey, the unsubscribe page and the emails in.

The texts are gettext messages (``{% translate %}``, ``gettext``) with catalogs in
``plugins/sequences/locale``; the pages and emails render under ``translation.override`` of
this language, so adding a language is adding its catalog (README "Translations").
"""

from __future__ import annotations

from django.conf import settings


def contact_language(contact) -> str:
    """The contact's preferred language when the platform has it (``settings.LANGUAGES``), else
    the default one (``LANGUAGE_CODE``)."""
    code = contact.preferred_language
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
