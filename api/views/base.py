"""The base of every API view: key auth, the key's organization schema, rate limits, scopes."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from rest_framework.response import Response
from rest_framework.views import APIView

from api import errors, ratelimit
from api.authentication import ApiKeyAuthentication
from api.scopes import grants

PUBLIC = "public"  # ``required_scopes`` of views anyone may call (schema, docs)


class ApiView(APIView):
    """Subclasses declare ``required_scopes = {"GET": "contacts:read", ...}`` (one per method)."""

    required_scopes: dict[str, str] | str  # enforced by tests/api/test_scope_declarations.py
    authentication_classes = [ApiKeyAuthentication]
    permission_classes: list = []
    http_method_names = ["get", "post", "patch", "delete", "head"]

    def dispatch(self, request, *args, **kwargs):
        home_tenant = connection.tenant
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if connection.tenant is not home_tenant:
                connection.set_tenant(home_tenant)

    def initial(self, request, *args, **kwargs):
        _check_body_size(request)
        super().initial(request, *args, **kwargs)
        if self.required_scopes == PUBLIC:
            return
        client = request.user
        org = client.organization
        if connection.schema_name != org.schema_name:
            connection.set_tenant(org)  # the public host: work in the key's organization
        request.rate_limit = ratelimit.hit(org)
        scope = self.scope_for(request.method)
        if not grants(client.key.scopes, scope):
            raise errors.insufficient_scope(scope)

    def scope_for(self, method: str) -> str:
        method = "GET" if method == "HEAD" else method
        try:
            return self.required_scopes[method]
        except KeyError:
            self.http_method_not_allowed(self.request)
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request, "rate_limit", None)
        if state is not None and "X-RateLimit-Limit" not in response:
            for name, value in state.headers().items():
                response[name] = value
        response["Cache-Control"] = "no-store"
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        from rest_framework.exceptions import MethodNotAllowed

        raise MethodNotAllowed(request.method)

    @property
    def org(self):
        return self.request.user.organization


def _check_body_size(request) -> None:
    limit = settings.API_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise errors.payload_too_large(limit)


def ok(data, status: int = 200, meta: dict | None = None) -> Response:
    body = {"data": data}
    if meta is not None:
        body["meta"] = meta
    return Response(body, status=status)
