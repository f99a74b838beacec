from __future__ import annotations

import re

from django import forms

from host.forms import SiteFormMixin
from host.trigger import AUTO, BOTH, MANUAL, sequences

MODES = [(MANUAL, "manual: Trigger only from the manual queue"),
         (AUTO, "auto: Trigger from won deal webhook events"),
         (BOTH, "both: Enable auto triggers and manual queue")]
NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


class TriggerForm(SiteFormMixin, forms.Form):
    trigger_mode = forms.ChoiceField(label="Trigger mode", choices=MODES, widget=forms.RadioSelect)
    sequence = forms.ChoiceField(label="Sequence to run", required=False,
                                 help_text="Required for auto and both. Only active sequences are listed.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sequence"].choices = [("", "Choose a sequence")] + [
            (str(s.id), s.name) for s in sequences(active_only=True)]

    def clean(self):
        data = super().clean()
        if data.get("trigger_mode") in (AUTO, BOTH) and not data.get("sequence"):
            self.add_error("sequence", "Choose the sequence to run for won deals "
                                       "(required for auto and both).")
        return data


class FieldMapForm(SiteFormMixin, forms.Form):
    nps = forms.CharField(label="NPS score field", max_length=100)
    csat = forms.CharField(label="CSAT score field", max_length=100)
    date = forms.CharField(label="Last survey date field", max_length=100)

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if not NAME.match(value):
                self.add_error(name, "Use a property's internal name: lowercase letters, digits "
                                     "and underscores, starting with a letter.")
        return data
