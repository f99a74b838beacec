"""The error envelope ``{"error": {"code", "message", "details"}}`` for every failure of the API."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from host.error_envelope import envelope  # the host's; the API's modules import it from here

logger = logging.getLogger("api")

MISSING_KEY_MESSAGE = "API key required. Provide via X-API-Key header or Authorization: Bearer <key>"


class ApiError(exceptions.APIException):
    """An error with the documented code and message; ``extra`` goes into the ``error`` object."""

    def __init__(self, status_code: int, code: str, message: str, details: dict | None = None,
                 headers: dict | None = None, **extra):
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}
        self.extra = extra


def missing_key() -> ApiError:
    return _auth(401, "MISSING_API_KEY", MISSING_KEY_MESSAGE)


def invalid_key_format() -> ApiError:
    return _auth(401, "INVALID_API_KEY_FORMAT", "Invalid API key format. Key must start with 'dem_'")


def invalid_key() -> ApiError:
    return _auth(401, "INVALID_API_KEY", "Invalid or inactive API key")


def expired_key() -> ApiError:
    return _auth(401, "EXPIRED_API_KEY", "API key has expired")


def _auth(status_code, code, message) -> ApiError:
    return ApiError(status_code, code, message, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def insufficient_scope(scope: str) -> ApiError:
    return ApiError(403, "INSUFFICIENT_PERMISSIONS",
                    f"This API key does not have the required scope: {scope}", requiredScope=scope)


def not_found(message: str = "Resource not found") -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def validation_error(details: dict, message: str = "Request validation failed") -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message, details)


def conflict(message: str, details: dict | None = None) -> ApiError:
    return ApiError(409, "CONFLICT", message, details)


def payload_too_large(limit: int) -> ApiError:
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"Request body is larger than {limit} bytes",
                    {"maxBytes": limit})


def _from_drf(exc: exceptions.APIException) -> ApiError:
    """Map DRF's own exceptions (parse errors, 404, 405, ...) to documented-style errors."""
    if isinstance(exc, exceptions.ValidationError):
        return validation_error(camel_details(exc.detail))
    if isinstance(exc, exceptions.ParseError):
        return validation_error({"body": [str(exc.detail)]}, "Request body is not valid JSON")
    if isinstance(exc, exceptions.NotFound):
        return not_found()
    if isinstance(exc, exceptions.MethodNotAllowed):
        return ApiError(405, "METHOD_NOT_ALLOWED", str(exc.detail))
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return ApiError(415, "UNSUPPORTED_MEDIA_TYPE",
                        "Send the request body as JSON with Content-Type: application/json")
    if isinstance(exc, exceptions.NotAcceptable):
        return ApiError(406, "NOT_ACCEPTABLE", "This API only responds with application/json")
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 60)
        return ApiError(429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded. Please try again later.",
                        {"retryAfter": wait}, headers={"Retry-After": str(wait)})
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return invalid_key()
    if isinstance(exc, exceptions.PermissionDenied):
        return ApiError(403, "FORBIDDEN", str(exc.detail))
    return ApiError(exc.status_code, "ERROR", str(exc.detail))


def camel_details(detail) -> dict:
    """DRF error detail → ``{"field": ["message", ...]}`` (nested for lists/objects)."""
    if isinstance(detail, dict):
        return {_field(k): _messages(v) for k, v in detail.items()}
    return {"body": _messages(detail)}


def _field(name) -> str:
    return "body" if name in ("non_field_errors", "__all__") else str(name)


def _messages(value):
    if isinstance(value, dict):
        return {_field(k): _messages(v) for k, v in value.items()}
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return [str(v) for v in value]
        return [_messages(v) for v in value]
    return [str(value)]


def exception_handler(exc, context) -> Response:
    """DRF's ``EXCEPTION_HANDLER``: every error, expected or not, leaves in the envelope."""
    if isinstance(exc, Http404):
        exc = not_found()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc))
    if isinstance(exc, exceptions.APIException) and not isinstance(exc, ApiError):
        exc = _from_drf(exc)
    if not isinstance(exc, ApiError):
        logger.exception("Unhandled error in the API")
        exc = ApiError(500, "INTERNAL_ERROR", "Internal server error. Please contact support.")
    response = Response(envelope(exc.code, exc.message, exc.details, **exc.extra),
                        status=exc.status_code)
    for name, value in exc.headers.items():
        response[name] = value
    return response


# HTTP statuses every operation may answer with (for the OpenAPI schema).
COMMON_ERRORS = (status.HTTP_400_BAD_REQUEST, 401, 403, 404, 405, 413, 415, 429, 500)
