"""Dev-only outbox: the emails the runtime sent, with their survey links (DEBUG only)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from plugins.sequences.models import SendingEvent


@login_required
def outbox(request):
    if not settings.DEBUG:
        raise Http404("The outbox exists in development only.")
    emails = SendingEvent.objects.filter(kind="email_sent").select_related("sending").order_by(
        "-at", "-pk")[:50]
    return render(request, "sequences/outbox.html", {"emails": emails})
