"""Request middleware: health checks, tenant routing with a proper 404, and membership checks."""

from __future__ import annotations

import re

from django.contrib.auth import logout
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import Http404, HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_domain_model

_INTEGRATION_PATH = re.compile(r"/integrations/([a-z0-9_-]{1,40})(?:/|$)")


class RequestContextMiddleware:
    """A request id on every log line of the request (the caller's ``X-Request-ID`` when it is a
    plain token, else a new one), sent back in ``X-Request-ID`` and carried into the tasks the
    request enqueues; the integration a URL names (``/integrations/<key>/``, ``<key>`` views)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from host import log_context

        request_id = log_context.request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        fields = {"request_id": request_id}
        if match := _INTEGRATION_PATH.search(request.path_info):
            fields["integration"] = match.group(1)
        log_context.update(**fields)  # until request_finished (host.apps), see there
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from host import log_context

        if isinstance(view_kwargs.get("key"), str):
            log_context.update(integration=view_kwargs["key"])


class HealthCheckMiddleware:
    """``/healthz`` on any host, before tenant routing: container probes ask ``localhost``, which
    is no organization's host (the tenant middleware would answer 404)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            from host.views.health import healthz

            connection.set_schema_to_public()
            return healthz(request)
        return self.get_response(request)


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' routing, answering an unknown host with the platform's 404 page.

    The host is looked up before the connection switches to ``public``, not after: the domain
    and organization tables exist only in ``public``, which every search path includes, so the
    lookup needs no ``SET search_path`` of its own (a round trip per request).
    """

    def process_request(self, request):
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            connection.set_schema_to_public()
            return HttpResponseNotFound()
        domain_model = get_tenant_domain_model()
        try:
            tenant = self.get_tenant(domain_model, hostname)
        except domain_model.DoesNotExist:
            connection.set_schema_to_public()
            return self.no_tenant_found(request, hostname)
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        self.setup_url_routing(request)
        return None

    def no_tenant_found(self, request, hostname):
        raise Http404(f"No organization is served at {hostname}.")

    def __call__(self, request):
        try:
            return super().__call__(request)
        except Http404:
            from host.views.errors import not_found

            connection.set_schema_to_public()
            return not_found(request)


class OrgMembershipMiddleware:
    """On an org host, a signed-in user must be a member of that org; ``request.org_role``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.org_role = None
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        if (tenant is not None and tenant.schema_name != "public" and user is not None
                and user.is_authenticated):
            request.org_role = membership_role(user, tenant)
            if request.org_role is None:
                logout(request)
        return self.get_response(request)


def membership_role(user, tenant) -> str | None:
    return user.memberships.filter(organization_id=tenant.pk).values_list("role", flat=True).first()

