from django import forms

from host.forms import SiteFormMixin
from plugins.sequences.models import SendingSettings, Sequence, Step, Survey


class SequenceForm(SiteFormMixin, forms.ModelForm):
    class Meta:
        model = Sequence
        fields = ["name"]


class StepForm(SiteFormMixin, forms.ModelForm):
    class Meta:
        model = Step
        fields = ["kind", "survey", "delay_hours"]
        labels = {"delay_hours": "Delay before this step (hours)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = Survey.objects.all()
        self.fields["survey"].required = False

    def clean(self):
        data = super().clean()
        if data.get("kind") == Step.Kind.SURVEY and not data.get("survey"):
            self.add_error("survey", "Choose the survey this email sends.")
        if data.get("kind") == Step.Kind.REMINDER:
            data["survey"] = None
        return data


class SendingSettingsForm(SiteFormMixin, forms.ModelForm):
    class Meta:
        model = SendingSettings
        fields = ["from_name", "reply_to", "cooldown_days"]
        labels = {"from_name": "From name", "reply_to": "Reply-to address",
                  "cooldown_days": "Solicitation cooldown (days)"}
        help_texts = {"from_name": "Shown as the sender; empty: the organization's name.",
                      "reply_to": "Where contacts' replies go (optional)."}
