"""The Settings > API form: a name, one or more scopes, an optional expiry date."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django import forms
from django.utils import timezone

from api.scopes import SCOPES
from host.forms import SiteFormMixin


class NewKeyForm(SiteFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this key, e.g. “Salesforce button”.")
    scopes = forms.MultipleChoiceField(
        choices=[(s, f"{s} — {d}") for s, d in SCOPES.items()], widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one scope."},
    )
    expires_on = forms.DateField(
        required=False, label="Expires after (optional)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The key stops working at the end of this day (UTC). Leave empty for no expiry.",
    )

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.now().date():
            raise forms.ValidationError("Choose today or a later date.")
        return value

    def expires_at(self):
        value = self.cleaned_data.get("expires_on")
        if value is None:
            return None
        return datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)
