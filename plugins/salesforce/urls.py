"""The plugin's own org pages; mounted before the host's generic /settings/integrations/<key>
(which serve the webhook, trigger, secret and event-log actions: ``host.sections``)."""

from django.urls import include, path

from plugins.salesforce import views
from plugins.salesforce.sections import SECTIONS

patterns = [
    path("settings/integrations/salesforce", views.settings_page, name="settings"),
    *[pattern for section in SECTIONS for pattern in section.urlpatterns],
]
urlpatterns = [
    path("", include((patterns, "salesforce"))),
]
