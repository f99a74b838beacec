"""Public survey pages under /s/<token>: answer once, or unsubscribe. No login."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from plugins.sequences.languages import contact_language
from plugins.sequences.models import Response, Sending
from plugins.sequences.responses import mark_opened, record_response, unsubscribe


def _sending(token: str) -> Sending:
    sending = (Sending.objects.select_related("contact", "sequence")
               .filter(token=token).first() if 20 <= len(token) <= 64 else None)
    if sending is None:
        raise Http404("Unknown survey link.")
    return sending


def _in_language(request, sending, template: str, context: dict, status: int = 200):
    """The page rendered in the contact's language (its gettext catalog), saying so."""
    language = contact_language(sending.contact)
    with translation.override(language):
        page = render(request, template, {"sending": sending, **context}, status=status)
    page["Content-Language"] = language
    return page


@require_http_methods(["GET", "POST"])
def answer(request, token):
    sending = _sending(token)
    survey = sending.sequence.survey
    if survey is None:
        raise Http404("This survey is no longer available.")
    mark_opened(sending)
    error = ""
    if request.method == "POST":  # record_response looks for an earlier answer under its lock
        try:
            score = int(request.POST.get("score", ""))
            response, _ = record_response(sending, score, request.POST.get("comment", ""),
                                          survey=survey)
        except (ValueError, ValidationError):
            response = Response.objects.filter(sending=sending).first()
            error = "" if response else gettext_lazy("Choose a score on the scale.")
        else:
            return redirect("sequences:survey", token=token)
    else:
        response = Response.objects.filter(sending=sending).first()
    return _in_language(request, sending, "sequences/survey.html", {
        "survey": survey, "question": survey.question(contact_language(sending.contact)),
        "response": response, "error": error, "scale": list(survey.scale),
    }, status=400 if error else 200)


@csrf_exempt  # the unguessable token in the URL is the authority (RFC 8058 one-click)
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request, token):
    """GET shows the confirmation page; POST unsubscribes, idempotently: the page's button, or a
    mailbox provider's one-click POST (``List-Unsubscribe=One-Click``, no session, no CSRF
    token), which gets the done page itself instead of a redirect."""
    sending = _sending(token)
    if request.method == "POST":
        unsubscribe(sending)
        if request.POST.get("List-Unsubscribe") != "One-Click":
            return redirect("sequences:unsubscribe", token=token)
    return _in_language(request, sending, "sequences/unsubscribe.html",
                        {"done": sending.contact.unsubscribed})
