"""The Django admin for platform staff, on the public host.

Organizations are created through ``tenants.services`` (the same checks and schema cloning as
``manage.py create_org``), deleted only one at a time after typing the schema name (deleting
drops the schema and every row in it), and each org's page shows its integrations' state.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_tenants.admin import TenantAdminMixin
from django_tenants.utils import get_public_schema_name

from tenants import org_status
from tenants.models import (
    ConnectedAccount,
    Domain,
    Membership,
    Organization,
    UnroutedWebhookEvent,
)
from tenants.services import OrgCreationError, check_new_org, create_organization


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class OrganizationCreationForm(forms.ModelForm):
    domain = forms.CharField(required=False, max_length=253,
                             help_text="Host name; leave empty for <slug>.<PLATFORM_DOMAIN>.")
    owner_email = forms.EmailField(required=False, label="Owner email")
    owner_password = forms.CharField(
        required=False, label="Owner password", strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="For a new user, their first password; for an existing user, their current "
                  "one. Leave both owner fields empty to add members later.")

    class Meta:
        model = Organization
        fields = ["slug", "name"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["slug"], data["name"], data["domain"] = check_new_org(
                data.get("slug", ""), data.get("name", ""), data.get("domain"),
                data.get("owner_email"), data.get("owner_password"))
        except OrgCreationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data

    def validate_unique(self):
        """``check_new_org`` says it in the product's words (and the schema is not a field)."""


@admin.register(Organization)
class OrganizationAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "schema_name", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [DomainInline, MembershipInline]
    delete_confirmation_template = "admin/tenants/organization/delete_confirmation.html"

    # --- Add: the org creation service ----------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OrganizationCreationForm
            kwargs["fields"] = ["slug", "name", "domain", "owner_email", "owner_password"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["slug", "name", "domain"]}),
                    ("Owner", {"fields": ["owner_email", "owner_password"]})]
        return [(None, {"fields": ["slug", "name", "schema_name", "created_at",
                                   "disabled_integrations"]}),
                ("Integrations", {"fields": ["integration_status"]})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["slug", "schema_name", "created_at", "integration_status"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = create_organization(
            data["slug"], data["name"], domain=data["domain"],
            owner_email=data.get("owner_email") or None,
            owner_password=data.get("owner_password") or None)
        # The admin goes on with ``obj`` (log entry, redirect): make it the created row.
        obj.pk, obj.schema_name, obj.created_at = created.pk, created.schema_name, created.created_at
        obj._state.adding, obj._state.db = False, created._state.db

    # --- Delete: one at a time, after typing the schema name --------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.schema_name == get_public_schema_name():
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = {**(extra_context or {}), "confirm_error": ""}
        mismatch = (request.method == "POST" and obj is not None
                    and request.POST.get("confirm_schema", "").strip() != obj.schema_name)
        if mismatch:
            # Show the confirmation again instead of deleting.
            context["confirm_error"] = (f"Type the schema name “{obj.schema_name}” exactly to "
                                        "delete this organization.")
            request.POST = QueryDict()
            request.method = "GET"
        response = super().delete_view(request, object_id, context)
        if mismatch:
            response.status_code = 400
        return response

    def delete_model(self, request, obj):
        schema = obj.schema_name
        super().delete_model(request, obj)
        messages.info(request, f"Schema {schema} was dropped with all of its data.")

    # --- Status of the org's integrations ---------------------------------------------------------

    @admin.display(description="Connections")
    def integration_status(self, obj):
        rows = org_status.connections(obj)
        if not rows:
            return "No integration connected yet."
        header = mark_safe(  # noqa: S308  # nosec B308
            "<tr><th>Integration</th><th>Status</th><th>Last sync</th><th>Pending events</th>"
            "<th>Pushback backlog</th><th>Last error</th></tr>")
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                                "<td>{}</td></tr>",
                                ((r.provider, r.status, r.last_sync, r.pending_events,
                                  r.pushback_backlog, r.last_error) for r in rows))
        return format_html("<table>{}{}</table>", header, body)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the platform keeps itself: staff look, nobody edits by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(ReadOnlyAdmin):
    """Where app-level webhooks go: kept in step with the connections (host.webhooks.routes)."""

    list_display = ["integration", "external_account_id", "organization", "updated_at"]
    list_filter = ["integration"]
    search_fields = ["external_account_id", "organization__slug"]


@admin.register(UnroutedWebhookEvent)
class UnroutedWebhookEventAdmin(ReadOnlyAdmin):
    """App-level webhook events for accounts no organization is connected to (nothing enrolled)."""

    list_display = ["integration", "external_account_id", "kind", "reason", "times_received",
                    "received_at", "last_received_at"]
    list_filter = ["integration", "reason"]
    search_fields = ["external_account_id", "dedupe_key"]
