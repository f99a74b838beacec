"""``X-API-Key`` / ``Authorization: Bearer`` authentication; the key identifies the organization."""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from api import errors, keys, usage
from api.models import ApiKey


@dataclass
class ApiClient:
    """``request.user`` of an API request: the organization acting through one key."""

    key: ApiKey

    is_authenticated = True
    is_anonymous = False

    @property
    def organization(self):
        return self.key.organization


def presented_key(request) -> str | None:
    """The key from ``X-API-Key``, else from ``Authorization: Bearer``; None when neither."""
    value = request.META.get("HTTP_X_API_KEY", "").strip()
    if value:
        return value
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        plaintext = presented_key(request)
        if plaintext is None:
            raise errors.missing_key()
        if not keys.has_valid_prefix(plaintext):
            raise errors.invalid_key_format()
        key = keys.find(plaintext)
        if key is None or not key.is_active:
            raise errors.invalid_key()
        if key.is_expired:
            raise errors.expired_key()
        tenant = getattr(getattr(request, "_request", request), "tenant", None)
        if tenant is not None and tenant.schema_name != "public" and tenant.pk != key.organization_id:
            raise errors.invalid_key()  # a key used on another organization's host
        usage.record(key)  # counted in Redis, written by the periodic flush (api/usage.py)
        return ApiClient(key), key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = ["ApiKeyHeader", "BearerAuth"]

    def get_security_requirement(self, auto_schema):
        return [{"ApiKeyHeader": []}, {"BearerAuth": []}]  # either one

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "X-API-Key",
             "description": "An API key: `dem_` followed by 43 characters."},
            {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer dem_...`"},
        ]
