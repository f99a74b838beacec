"""Score pushback field mapping and Test Fields (issue 8).

Test Fields checks the names in the form (saved or not) against a fresh describe of Contact.
Saving checks them too (a describe cached for a few minutes); failures re-render the page with
the problems and a *Save anyway* button. When fields are missing (or not writable by the
connected user), *Create missing fields* creates them and grants access (``field_setup``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from host.contracts import NeedsReconnect
from host.integrations import get_connection, is_enabled
from host.views.auth import org_admin_required
from plugins.salesforce import errors
from plugins.salesforce.client import SalesforceClient
from plugins.salesforce.field_check import mapping, run_test_fields
from plugins.salesforce.field_setup import create_missing_fields, fixable
from plugins.salesforce.mapping_forms import MappingForm

KEY = "salesforce"
TEMPLATE = "salesforce/sections/mapping.html"


def context(request, conn) -> dict:
    return {"mapping_form": MappingForm(initial=mapping(conn)), "field_checks": None,
            "mapping_test_error": "", "mapping_confirm": False}


def _connection():
    if not is_enabled(KEY):
        raise Http404("Salesforce is not available for this organization.")
    return get_connection(KEY)


def _render(request, conn, form, status=200, **extra):
    from plugins.salesforce.views import settings_context

    ctx = settings_context(request, conn)
    ctx.update(mapping_form=form, **extra)
    checks = ctx.get("field_checks") or []
    ctx["fields_fixable"] = conn.is_connected and any(fixable(c) for c in checks)
    return render(request, "salesforce/settings.html", ctx, status=status)


def _check(conn, chosen, refresh: bool):
    """``(checks, error)``: the per-field checks, or why they could not run."""
    if not conn.is_connected:
        return None, "Connect Salesforce to test the fields."
    try:
        return run_test_fields(SalesforceClient(conn), chosen, refresh=refresh), ""
    except NeedsReconnect as exc:
        return None, f"Salesforce needs to be reconnected: {exc}"
    except errors.SalesforceError as exc:
        return None, f"Could not describe Contact in Salesforce: {exc.message}"


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def test_fields(request):
    conn = _connection()
    form = MappingForm(request.POST)
    if not form.is_valid():
        return _render(request, conn, form, status=400)
    checks, error = _check(conn, form.chosen(), refresh=True)
    return _render(request, conn, form, field_checks=checks, mapping_test_error=error)


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def create_fields(request):
    """Create missing fields, grant the connected user access, then Test Fields again."""
    conn = _connection()
    form = MappingForm(request.POST)
    if not form.is_valid():
        return _render(request, conn, form, status=400)
    checks, error = _check(conn, form.chosen(), refresh=True)
    if error:
        return _render(request, conn, form, mapping_test_error=error)
    try:
        steps, checks = create_missing_fields(SalesforceClient(conn), form.chosen(), checks)
    except NeedsReconnect as exc:
        return _render(request, conn, form, mapping_test_error=f"Salesforce needs to be "
                                                               f"reconnected: {exc}")
    except errors.SalesforceError as exc:
        return _render(request, conn, form, field_checks=checks,
                       mapping_test_error=f"Salesforce refused a step: {exc.message}")
    return _render(request, conn, form, field_checks=checks, field_setup_steps=steps)


@require_POST
@org_admin_required(does="configure the Salesforce integration")
def save(request):
    conn = _connection()
    form = MappingForm(request.POST)
    if not form.is_valid():
        return _render(request, conn, form, status=400)
    chosen, checks = form.chosen(), None
    if conn.is_connected and not form.cleaned_data["confirm"]:
        checks, error = _check(conn, chosen, refresh=False)
        if error or any(not c.ok for c in checks):
            return _render(request, conn, form, field_checks=checks, mapping_test_error=error,
                           mapping_confirm=True)
    _store(conn, chosen, checks)
    note = "" if checks else " Run Test Fields to confirm the fields exist in Salesforce."
    messages.success(request, "Field mapping saved." + note)
    return redirect(reverse("salesforce:settings") + "#sf-mapping")


def _store(conn, chosen, checks) -> None:
    """Save the mapping (exact API names when checked), keeping the other settings."""
    saved = dict(chosen)
    for check in checks or []:
        if check.exists:
            saved[check.setting] = check.name
            if check.setting == "date_field":
                saved["date_type"] = "datetime" if check.sf_type == "datetime" else "date"

    def change(values: dict) -> None:
        previous = values.get("field_mapping") or {}
        if "date_type" not in saved and saved["date_field"] == previous.get("date_field"):
            saved["date_type"] = previous.get("date_type", "date")
        values["field_mapping"] = saved

    conn.update_settings(change)


urlpatterns = [
    path("settings/integrations/salesforce/mapping", save, name="mapping-save"),
    path("settings/integrations/salesforce/test-fields", test_fields, name="mapping-test"),
    path("settings/integrations/salesforce/create-fields", create_fields,
         name="mapping-create-fields"),
]
