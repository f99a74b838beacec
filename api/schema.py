"""OpenAPI helpers: every operation documents its envelope, its errors, the rate-limit headers,
its required scope and examples; the schema is generated once per process and version."""

from __future__ import annotations

from functools import lru_cache

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from api import examples as samples
from api.errors import COMMON_ERRORS
from api.serializers.common import ErrorEnvelopeSerializer, data_envelope

SCOPE_EXTENSION = "x-required-scope"
URLCONF = "api.urls"

_RATE_HEADERS = [
    OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.HEADER, response=True,
                     description=description)
    for name, description in [
        ("X-RateLimit-Limit", "Requests allowed in the current window (per organization)."),
        ("X-RateLimit-Remaining", "Requests left in the current window."),
        ("X-RateLimit-Reset", "Unix time when the window resets."),
    ]
]
_RETRY_AFTER = OpenApiParameter("Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER,
                                response=[429], description="Seconds to wait before retrying.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any unique string (max 255 characters). A retry with the same key returns the "
                "first call's response and does nothing else.",
)




def path_id(name: str, resource: str) -> OpenApiParameter:
    """The UUID in an operation's path, described (the URL converter only gives its type)."""
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH,
                            description=f"The {resource}'s id (UUID). An id of another "
                                        "organization is 404, like an unknown one.")


def scope_sentence(scope: str) -> str:
    """The description's first paragraph (Markdown, rendered by the docs page)."""
    resource = scope.split(":", 1)[0]
    return (f"**Required scope:** `{scope}` (or `{resource}:*`). A key without it gets 403 "
            "`INSUFFICIENT_PERMISSIONS`.")


def operation(operation_id: str, scope: str, summary: str, *, description: str = "", ok=None,
              many: bool = False, status: int = 200, request=None, parameters=(), tags=(),
              errors=COMMON_ERRORS, examples=(), not_found: str | None = None):
    """``extend_schema`` for an API operation needing ``scope``: the scope goes into the
    description and into the ``x-required-scope`` extension; ``examples`` (success bodies and
    requests) are joined by the documented error bodies of ``errors``."""
    responses = {}
    if ok is not None:
        responses[status] = data_envelope(ok, many=many)
    else:
        responses[status] = OpenApiResponse(description="No content")
    for code in errors:
        responses[code] = OpenApiResponse(ErrorEnvelopeSerializer, description="Error envelope")
    text = scope_sentence(scope) + (f"\n\n{description}" if description else "")
    return extend_schema(
        operation_id=operation_id, summary=summary, description=text,
        request=request,
        responses=responses, parameters=[*_RATE_HEADERS, _RETRY_AFTER, *parameters],
        tags=list(tags) or None,
        examples=[*examples, *samples.errors_for(scope, errors, not_found)],
        extensions={SCOPE_EXTENSION: scope},
    )


def rendered_schema(renderer, media_type: str, api_version: str | None = None) -> bytes:
    """The OpenAPI document of ``api.urls`` as ``renderer`` writes it for ``media_type`` (JSON,
    YAML), generated once per process and version and rendered once per format.

    Generation walks every view and serializer, and rendering the 270 kB document costs even more
    (56 ms per JSON request, 111 ms per YAML one, before); the result depends only on the code and
    settings, not on the host or the caller, so one copy serves the public host and every org.
    """
    return _render(type(renderer), media_type, api_version, spectacular_settings.VERSION)


@lru_cache(maxsize=16)  # bounded: the media type carries the client's Accept parameters
def _render(renderer_class, media_type: str, api_version: str | None, schema_version: str) -> bytes:
    return renderer_class().render(_generate(api_version, schema_version), media_type, {})


@lru_cache(maxsize=8)
def _generate(api_version: str | None, schema_version: str) -> dict:
    generator = SchemaGenerator(urlconf=URLCONF, api_version=api_version)
    return generator.get_schema(request=None, public=True)
