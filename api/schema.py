"""OpenAPI helpers: every operation documents its envelope, its errors and the rate-limit headers."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from api.errors import COMMON_ERRORS
from api.serializers.common import ErrorEnvelopeSerializer, data_envelope

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


def operation(operation_id: str, scope: str, summary: str, *, ok=None, many: bool = False, status: int = 200,
              request=None, parameters=(), tags=(), errors=COMMON_ERRORS):
    """``extend_schema`` for an API operation needing ``scope``."""
    responses = {}
    if ok is not None:
        responses[status] = data_envelope(ok, many=many)
    else:
        responses[status] = OpenApiResponse(description="No content")
    for code in errors:
        responses[code] = OpenApiResponse(ErrorEnvelopeSerializer, description="Error envelope")
    return extend_schema(
        operation_id=operation_id, summary=summary, description=f"Requires the `{scope}` scope.",
        request=request,
        responses=responses, parameters=[*_RATE_HEADERS, _RETRY_AFTER, *parameters],
        tags=list(tags) or None,
    )
