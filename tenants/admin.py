from django.contrib import admin
from django_tenants.admin import TenantAdminMixin

from tenants.models import Domain, Membership, Organization


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "schema_name", "created_at"]
    search_fields = ["slug", "name"]
    readonly_fields = ["schema_name", "created_at"]
    inlines = [DomainInline, MembershipInline]
