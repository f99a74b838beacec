"""The score field mapping form: three Salesforce API names, each optional."""

from __future__ import annotations

from django import forms

from host.forms import SiteFormMixin
from plugins.salesforce.field_check import DEFAULT_MAPPING, LABELS, MAX_NAME, valid_api_name

HELP = {
    "nps_field": f"Number field for the 0–10 score (default {DEFAULT_MAPPING['nps_field']}).",
    "csat_field": f"Number field for the 1–5 score (default {DEFAULT_MAPPING['csat_field']}).",
    "date_field": f"Date field set to the answer's date (default "
                  f"{DEFAULT_MAPPING['date_field']}).",
}


class ButtonValue(forms.HiddenInput):
    """A value only a submit button sends (*Save anyway*: ``name="confirm" value="1"``): the
    form renders no input for it, so it is never sent by accident."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""


class MappingForm(SiteFormMixin, forms.Form):
    nps_field = forms.CharField(label=LABELS["nps_field"], required=False, max_length=MAX_NAME,
                                help_text=HELP["nps_field"])
    csat_field = forms.CharField(label=LABELS["csat_field"], required=False, max_length=MAX_NAME,
                                 help_text=HELP["csat_field"])
    date_field = forms.CharField(label=LABELS["date_field"], required=False, max_length=MAX_NAME,
                                 help_text=HELP["date_field"])
    confirm = forms.BooleanField(required=False, widget=ButtonValue)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DEFAULT_MAPPING:  # API names: no autofill, no spell check
            self.fields[name].widget.attrs.update(autocomplete="off", spellcheck="false")

    def clean(self):
        data = super().clean()
        seen: dict[str, str] = {}
        for name in DEFAULT_MAPPING:
            value = data.get(name)
            if not value:
                continue
            if not valid_api_name(value):
                self.add_error(name, f"“{value}” is not a Salesforce API name: use letters, "
                                     "digits and single underscores, starting with a letter, "
                                     "for example NPS_Score__c. Leave it blank to skip it.")
            elif value.lower() in seen:
                self.add_error(name, f"{value} is already the {seen[value.lower()]}; map each "
                                     "score to its own field.")
            else:
                seen[value.lower()] = LABELS[name].lower()
        return data

    def chosen(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in DEFAULT_MAPPING}
