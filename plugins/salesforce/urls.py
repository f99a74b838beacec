"""The plugin's own org pages; mounted before the host's generic /settings/integrations/<key>."""

from django.urls import include, path

from . import views

patterns = [
    path("settings/integrations/salesforce", views.settings_page, name="settings"),
]
urlpatterns = [path("", include((patterns, "salesforce")))]
