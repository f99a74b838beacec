"""Error pages: branded HTML in the site's layout, and the API's JSON envelope under /api/.

Django calls these for errors raised outside DRF (which has the API's own exception handler):
an unknown URL, a bad Host header, a failed CSRF check, an unhandled exception. A path under
``/api/`` always gets ``{"error": {"code", "message", "details"}}``, whatever failed.
"""

from __future__ import annotations

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from host.error_envelope import envelope

API_PREFIX = "/api/"

_API = {
    400: ("BAD_REQUEST", "The request could not be understood."),
    403: ("FORBIDDEN", "You do not have access to this resource."),
    404: ("NOT_FOUND", "Resource not found"),
    500: ("INTERNAL_ERROR", "Internal server error. Please contact support."),
}


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(status: int) -> JsonResponse:
    code, message = _API[status]
    return JsonResponse(envelope(code, message), status=status)


def _page(request, status: int, template: str, **context):
    if _is_api(request):
        return _api_error(status)
    return render(request, template, context, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, "400.html")


def permission_denied(request, exception=None):
    """Says who can do it when the refusal is ours (``OrgPermissionDenied``), in the layout."""
    from host.views.auth import OrgPermissionDenied

    reason = str(exception) if isinstance(exception, OrgPermissionDenied) else ""
    return _page(request, 403, "403.html", reason=reason,
                 role=getattr(request, "org_role", None))


def not_found(request, exception=None):
    return _page(request, 404, "404.html")


def server_error(request):
    """No request context: whatever broke (the database, a context processor) may break again."""
    if _is_api(request):
        return _api_error(500)
    return HttpResponseServerError(render_to_string("500.html"))


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: usually an expired page or blocked cookies, said so plainly."""
    if _is_api(request):
        return JsonResponse(envelope("FORBIDDEN", "CSRF verification failed."), status=403)
    return render(request, "403_csrf.html", status=403)
