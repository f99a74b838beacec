"""Public-host views: the one OAuth callback URL shared by every organization."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET

from host import connect


@require_GET
def oauth_callback(request, key):
    target = connect.relay_url(request, key)
    if target is None:
        return render(request, "host/oauth_error.html", status=400)
    return HttpResponseRedirect(target)
