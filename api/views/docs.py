"""The OpenAPI schema, a self-contained docs page (no CDN), and the API's JSON 404."""

from __future__ import annotations

from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework.negotiation import DefaultContentNegotiation

from api import errors
from api.scopes import SCOPES
from api.views.base import PUBLIC, ApiView

METHODS = ("get", "post", "put", "patch", "delete")


class SchemaView(SpectacularAPIView):
    """``/api/v1/schema/``: OpenAPI 3 (JSON by default, YAML with ``?format=yaml``)."""

    required_scopes = PUBLIC
    authentication_classes: list = []
    permission_classes: list = []
    urlconf = "api.urls"
    content_negotiation_class = DefaultContentNegotiation
    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer,
                        OpenApiYamlRenderer2]


def docs_page(request):
    """``/api/v1/docs/``: every operation of the schema, rendered server-side (no CDN)."""
    schema = SchemaGenerator(urlconf="api.urls").get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op:
                operations.append({
                    "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                    "description": op.get("description", ""), "tag": (op.get("tags") or [""])[0],
                    "id": op.get("operationId", ""),
                })
    return render(request, "api/docs.html", {
        "info": schema["info"], "operations": operations, "scopes": SCOPES,
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
