"""Request middleware: tenant routing with a proper 404, and membership checks."""

from __future__ import annotations

from django.contrib.auth import logout
from django.db import connection
from django.http import Http404
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' routing, answering an unknown host with the platform's 404 page."""

    def no_tenant_found(self, request, hostname):
        raise Http404(f"No organization is served at {hostname}.")

    def __call__(self, request):
        try:
            return super().__call__(request)
        except Http404:
            connection.set_schema_to_public()
            return render(request, "404.html", status=404)


class OrgMembershipMiddleware:
    """On an org host, a signed-in user must be a member of that org (or platform staff)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        if (
            tenant is not None
            and tenant.schema_name != "public"
            and user is not None
            and user.is_authenticated
            and not is_member(user, tenant)
        ):
            logout(request)
        return self.get_response(request)


def is_member(user, tenant) -> bool:
    return user.memberships.filter(organization_id=tenant.pk).exists()

