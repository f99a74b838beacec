"""Score pushback field mapping with *Test Fields* (and *Create missing fields* where the
plugin can), for any integration with a ``PushbackSpec``.

Test Fields checks the targets in the form (saved or not) through ``pushback_check_fields``,
afresh. Saving checks them too (a briefly cached schema); failures re-render the page with the
problems and a *Save anyway* button. When checks are ``fixable`` and the plugin implements
``pushback_create_fields``, the create button runs it and shows each step.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from host import hooks, pushback
from host.contracts import FieldCheckError, NeedsReconnect
from host.forms import SiteFormMixin
from host.integrations import get_connection, get_integration, is_enabled
from host.views.auth import org_admin_required


class ButtonValue(forms.HiddenInput):
    """A value only a submit button sends (*Save anyway*: ``name="confirm" value="1"``): the
    form renders no input for it, so it is never sent by accident."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""


class MappingForm(SiteFormMixin, forms.Form):
    """One optional CRM target name per declared ``PushbackField``."""

    confirm = forms.BooleanField(required=False, widget=ButtonValue)

    def __init__(self, spec, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        confirm = self.fields.pop("confirm")
        for field in spec.fields:  # target names: no autofill, no spell check
            self.fields[field.key] = forms.CharField(
                label=field.label, required=False, max_length=spec.target_max_length,
                help_text=field.help_text)
            self.fields[field.key].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["confirm"] = confirm

    def clean(self):
        data = super().clean()
        seen: dict[str, str] = {}
        for field in self.spec.fields:
            value = data.get(field.key)
            if not value:
                continue
            error = self.spec.validate_target(value) if self.spec.validate_target else ""
            if error:
                self.add_error(field.key, error)
            elif value.lower() in seen:
                self.add_error(field.key, f"{value} is already the {seen[value.lower()]}; map "
                                          "each score to its own field.")
            else:
                seen[value.lower()] = field.label.lower()
        return data

    def chosen(self) -> dict[str, str]:
        return {f.key: self.cleaned_data.get(f.key) or "" for f in self.spec.fields}


class FieldMappingSection:
    TEMPLATE = "host/sections/field_mapping.html"

    def __init__(self, key: str, render_page, ids: str):
        self.key, self.render_page, self.ids = key, render_page, ids

    @property
    def integration(self):
        return get_integration(self.key)

    @property
    def spec(self):
        return self.integration.info.pushback

    def can_create(self) -> bool:
        """The plugin implements ``pushback_create_fields`` and names its button."""
        if not self.spec.create_label:
            return False
        return hooks.implements(self.key, "pushback_create_fields")

    def context(self, request, conn) -> dict:
        return {"mapping_form": MappingForm(self.spec, initial=pushback.mapping(conn, self.spec)),
                "field_checks": None, "mapping_test_error": "", "mapping_confirm": False,
                "mapping_section": self._words()}

    def _words(self) -> dict:
        namespace = f"{self.key}:" if self.key else ""
        return {"name": self.integration.info.name, "spec": self.spec, "ids": self.ids,
                "save_url": reverse(namespace + "mapping-save"),
                "test_url": reverse(namespace + "mapping-test"),
                "create_url": reverse(namespace + "mapping-create-fields"),
                "page_url": reverse(namespace + "settings")}

    # --- actions -----------------------------------------------------------------------------

    def _connection(self):
        if not is_enabled(self.key):
            raise Http404(f"{self.integration.info.name} is not available for this organization.")
        return get_connection(self.key)

    def _render(self, request, conn, form, status=200, **extra):
        checks = extra.get("field_checks") or []
        extra["fields_fixable"] = (conn.is_connected and self.can_create()
                                   and any(c.fixable for c in checks))
        return self.render_page(request, conn, status=status, mapping_form=form, **extra)

    def _check(self, conn, chosen, refresh: bool):
        """``(checks, error)``: the per-field checks, or why they could not run."""
        name = self.integration.info.name
        if not conn.is_connected:
            return None, f"Connect {name} to test the fields."
        try:
            checks = hooks.integration(self.key).pushback_check_fields(
                connection=conn, mapping=chosen, refresh=refresh)
            return list(checks or []), ""
        except NeedsReconnect as exc:
            return None, f"{name} needs to be reconnected: {exc}"
        except FieldCheckError as exc:
            return None, str(exc)

    def test_fields(self, request):
        conn = self._connection()
        form = MappingForm(self.spec, request.POST)
        if not form.is_valid():
            return self._render(request, conn, form, status=400)
        checks, error = self._check(conn, form.chosen(), refresh=True)
        return self._render(request, conn, form, field_checks=checks, mapping_test_error=error)

    def create_fields(self, request):
        """Create missing fields (the plugin's steps), then Test Fields again."""
        conn = self._connection()
        form = MappingForm(self.spec, request.POST)
        if not form.is_valid():
            return self._render(request, conn, form, status=400)
        if not self.can_create():
            raise Http404("This integration cannot create fields.")
        checks, error = self._check(conn, form.chosen(), refresh=True)
        if error:
            return self._render(request, conn, form, mapping_test_error=error)
        try:
            result = hooks.integration(self.key).pushback_create_fields(
                connection=conn, mapping=form.chosen(), checks=checks)
        except NeedsReconnect as exc:
            return self._render(request, conn, form, mapping_test_error=(
                f"{self.integration.info.name} needs to be reconnected: {exc}"))
        except FieldCheckError as exc:
            return self._render(request, conn, form, field_checks=exc.checks or checks,
                                mapping_test_error=str(exc))
        return self._render(request, conn, form, field_checks=result.checks,
                            field_setup_steps=result.steps)

    def save(self, request):
        conn = self._connection()
        form = MappingForm(self.spec, request.POST)
        if not form.is_valid():
            return self._render(request, conn, form, status=400)
        chosen, checks = form.chosen(), None
        if conn.is_connected and not form.cleaned_data["confirm"]:
            checks, error = self._check(conn, chosen, refresh=False)
            if error or any(not c.ok for c in checks):
                return self._render(request, conn, form, field_checks=checks,
                                    mapping_test_error=error, mapping_confirm=True)
        self._store(conn, chosen, checks)
        note = ("" if checks else
                f" Run Test Fields to confirm the fields exist in {self.integration.info.name}.")
        messages.success(request, "Field mapping saved." + note)
        return redirect(self._words()["page_url"] + f"#{self.ids}-mapping")

    def _store(self, conn, chosen, checks) -> None:
        """Save the mapping (exact names when checked) and the checked types the plugin asked
        to keep (``PushbackField.type_key``), keeping the org's other settings."""
        saved = dict(chosen)
        for check in checks or []:
            if check.exists:
                saved[check.key] = check.target
                type_key = self.spec.field(check.key).type_key
                if type_key:
                    saved[type_key] = check.target_type

        def change(values: dict) -> None:
            previous = values.get("field_mapping") or {}
            for field in self.spec.fields:  # an unchecked, unchanged target keeps its type
                if field.type_key and field.type_key not in saved and \
                        saved[field.key] == previous.get(field.key) and \
                        field.type_key in previous:
                    saved[field.type_key] = previous[field.type_key]
            values["field_mapping"] = saved

        conn.update_settings(change)

    @property
    def urlpatterns(self) -> list:
        base = f"settings/integrations/{self.key}"
        guard = org_admin_required(does=f"configure the {self.integration.info.name} integration")
        return [
            path(f"{base}/mapping", require_POST(guard(self.save)), name="mapping-save"),
            path(f"{base}/test-fields", require_POST(guard(self.test_fields)),
                 name="mapping-test"),
            path(f"{base}/create-fields", require_POST(guard(self.create_fields)),
                 name="mapping-create-fields"),
        ]
