"""The plugin's own org pages; mounted before the host's generic /settings/integrations/<key>
(the trigger, event-log actions and the webhook itself are the host's)."""

from django.urls import include, path

from plugins.hubspot import views
from plugins.hubspot.sections import SECTIONS

patterns = [
    path("settings/integrations/hubspot", views.settings_page, name="settings"),
    *[pattern for section in SECTIONS for pattern in section.urlpatterns],
]
urlpatterns = [
    path("", include((patterns, "hubspot"))),
]
