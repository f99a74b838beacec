"""The login-host choice admins make before connecting."""

from __future__ import annotations

from django import forms

from host.forms import SiteFormMixin

from . import login_hosts


class LoginHostForm(SiteFormMixin, forms.Form):
    login_host = forms.ChoiceField(
        label="Where do you sign in to Salesforce?", choices=login_hosts.CHOICES,
        initial=login_hosts.PRODUCTION, widget=forms.RadioSelect)
    my_domain = forms.CharField(
        label="My Domain", required=False, max_length=253,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Only for My Domain, for example acme.my.salesforce.com or "
                  "acme--uat.sandbox.my.salesforce.com (Setup > My Domain).")

    def clean(self):
        data = super().clean()
        if data.get("login_host") == login_hosts.CUSTOM:
            try:
                data["my_domain"] = login_hosts.normalize_my_domain(data.get("my_domain", ""))
            except login_hosts.LoginHostError as exc:
                self.add_error("my_domain", str(exc))
        else:
            data["my_domain"] = ""
        return data

    def first_error(self) -> str:
        return next((str(e) for errs in self.errors.values() for e in errs), "")
