"""The site's one form rendering: every form of the org pages renders as ``{{ form }}``.

``host/forms/form.html`` puts the form's own errors on top in a ``role=alert`` box (or, when
only fields are wrong, a line pointing to them), then each field through
``host/forms/field.html``: label (a legend for radio and checkbox groups), the widget, its help
text and its errors next to it. Django marks a field with errors ``aria-invalid="true"`` and
points ``aria-describedby`` at ``<id>_helptext`` and ``<id>_error``, the ids used here.
"""

from __future__ import annotations

FORM_TEMPLATE = "host/forms/form.html"
FIELD_TEMPLATE = "host/forms/field.html"


class SiteFormMixin:
    """Mix in first (``class MyForm(SiteFormMixin, forms.Form)``) so ``{{ form }}`` uses the
    site's template instead of Django's default one."""

    template_name = FORM_TEMPLATE

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # "Email", not "Email:"
        super().__init__(*args, **kwargs)
