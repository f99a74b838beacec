from datetime import date, timedelta

from django import forms
from django.utils import timezone

from host.forms import SiteFormMixin
from plugins.sequences.models import Sending, SendingSettings, Sequence, Step, Survey


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


class PeriodForm(SiteFormMixin, forms.Form):
    """The results' period: the last N days (today included) or from/to dates (both included).

    Read from the query string; an invalid one is a form error and the default period applies.
    """

    PRESETS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"),
               ("365", "Last 12 months"), ("custom", "Custom dates")]
    DEFAULT = "90"
    MAX_DAYS = 3 * 366  # a chart of 157 weeks at most

    period = forms.ChoiceField(choices=PRESETS, required=False, label="Period")
    start = forms.DateField(required=False, label="From",
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To",
                          widget=forms.DateInput(attrs={"type": "date"}),
                          help_text="Both days included (UTC).")

    def __init__(self, data=None, *args, **kwargs):
        if data and not data.get("period"):
            data = data.copy()
            data["period"] = self.DEFAULT
        super().__init__(data if data else None, *args, **kwargs)
        self.fields["period"].initial = self.DEFAULT

    EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            value = data.get(name)
            if value and not self.EARLIEST <= value <= self.LATEST:
                self.add_error(name, "Choose a date between 2000 and 2100.")
                return data
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError("Choose both dates of a custom period.")
            if end < start:
                self.add_error("end", "The end date is before the start date.")
            elif (end - start).days + 1 > self.MAX_DAYS:
                self.add_error("end", f"A period is at most {self.MAX_DAYS} days.")
        return data

    def dates(self):
        """``(start, end)``: the chosen period, or the default one."""
        today = timezone.localdate()
        choice = self.DEFAULT
        if self.is_bound and self.is_valid():
            choice = self.cleaned_data.get("period") or self.DEFAULT
            if choice == "custom":
                return self.cleaned_data["start"], self.cleaned_data["end"]
        return today - timedelta(days=int(choice) - 1), today

    def filters(self):
        from plugins.sequences.results import Filters

        start, end = self.dates()
        return Filters(start=start, end=end)


class ResponseFilterForm(PeriodForm):
    """The responses page: a period, and a score band, sequence or trigger source."""

    band = forms.ChoiceField(required=False, label="Score band", choices=[
        ("", "Any score"), ("promoter", "Promoters (NPS 9-10)"),
        ("passive", "Passives (NPS 7-8)"), ("detractor", "Detractors (NPS 0-6)")])
    sequence = forms.ChoiceField(required=False, label="Sequence")
    source = forms.ChoiceField(required=False, label="Source",
                               choices=[("", "Any source"), *Sending.Source.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sequence"].choices = [("", "Any sequence"), *[
            (str(pk), name) for pk, name in Sequence.objects.order_by("name")
            .values_list("pk", "name")]]

    def filters(self):
        from plugins.sequences.results import Filters

        start, end = self.dates()
        valid = self.is_bound and self.is_valid()
        data = self.cleaned_data if valid else {}
        return Filters(start=start, end=end, band=data.get("band", ""),
                       sequence_id=data.get("sequence", ""), source=data.get("source", ""))
