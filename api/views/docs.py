"""The OpenAPI schema (cached), the Swagger UI docs page (vendored assets), and the API's JSON 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.negotiation import DefaultContentNegotiation

from api import errors
from api.schema import URLCONF, rendered_schema
from api.scopes import SCOPES
from api.views.base import PUBLIC, ApiView


class SchemaView(SpectacularAPIView):
    """``/api/v1/schema/``: OpenAPI 3 (JSON by default, YAML with ``?format=yaml``), generated once
    and rendered once per process and format (``api.schema``), not per request."""

    required_scopes = PUBLIC
    authentication_classes: list = []
    permission_classes: list = []
    urlconf = URLCONF
    content_negotiation_class = DefaultContentNegotiation
    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer,
                        OpenApiYamlRenderer2]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        renderer, media_type = request.accepted_renderer, request.accepted_media_type
        content_type = f"{media_type}; charset={renderer.charset}" if renderer.charset else media_type
        response = HttpResponse(rendered_schema(renderer, media_type, request.version),
                                content_type=content_type)
        response["Content-Disposition"] = (
            f'inline; filename="{spectacular_settings.TITLE}.{renderer.format}"')
        return response


def docs_page(request):
    """``/api/v1/docs/``: Swagger UI over the schema. Its files come from drf-spectacular-sidecar
    (collected static files, no CDN) and it starts from ``api/docs.js`` (no inline script)."""
    return render(request, "api/docs.html", {
        "title": spectacular_settings.TITLE, "version": spectacular_settings.VERSION,
        "schema_url": reverse("api-schema"), "scopes": SCOPES,
    })


docs_page.required_scopes = PUBLIC


class NotFoundView(ApiView):
    """Any other path under ``/api/v1/``: the JSON 404 envelope, not the HTML page."""

    required_scopes = PUBLIC
    authentication_classes: list = []
    schema = None  # not an operation
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def initial(self, request, *args, **kwargs):
        raise errors.not_found("No API endpoint at this path")
