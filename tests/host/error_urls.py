"""A URLconf whose views fail on purpose, for the error page tests (with the org's handlers)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import include, path

from host.urls_org import handler400, handler403, handler404, handler500  # noqa: F401


def boom(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise PermissionDenied("no")


def suspicious(request):
    raise SuspiciousOperation("odd")


failing = [path("boom", boom), path("forbidden", forbidden), path("suspicious", suspicious)]
urlpatterns = [
    path("api/v1/", include(failing)),
    path("", include("host.urls_org")),
    *failing,
]
