"""The client's address for throttling and logs: the socket's peer, or, only when the operator
says the app runs behind a proxy (``BEHIND_PROXY``), the address that proxy appended to
X-Forwarded-For. Entries to its left come from the client and are not trusted."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    if getattr(settings, "BEHIND_PROXY", False):
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if hops[-1]:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")
