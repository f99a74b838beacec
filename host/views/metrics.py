"""``GET /metrics`` on the public host: the platform's Prometheus metrics (``host.metrics``).

With ``METRICS_TOKEN`` set, the scraper must send ``Authorization: Bearer <token>`` (compared in
constant time); without it the endpoint is open (keep it off the internet then).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from host import metrics


def _authorized(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), token.encode())


@never_cache
@require_safe
def metrics_view(request):
    if not _authorized(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)
