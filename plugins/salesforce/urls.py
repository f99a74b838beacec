"""The plugin's own org pages; mounted before the host's generic /settings/integrations/<key>."""

from django.urls import include, path

from plugins.salesforce import views
from plugins.salesforce.sections import SECTIONS
from plugins.salesforce.webhooks.views import webhook

patterns = [
    path("settings/integrations/salesforce", views.settings_page, name="settings"),
    *[pattern for section in SECTIONS for pattern in section.urlpatterns],
]
urlpatterns = [
    path("api/v1/integrations/salesforce/webhook", webhook, name="salesforce-webhook"),
    path("", include((patterns, "salesforce"))),
]
