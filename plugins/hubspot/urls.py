"""The plugin's own org pages; mounted before the host's generic /settings/integrations/<key>."""

from django.urls import include, path

from . import views
from .webhook_view import webhook

patterns = [
    path("settings/integrations/hubspot", views.settings_page, name="settings"),
    path("settings/integrations/hubspot/trigger", views.save_trigger, name="trigger"),
    path("settings/integrations/hubspot/fields", views.save_fields, name="fields"),
    path("settings/integrations/hubspot/fields/test", views.test_fields, name="test-fields"),
    path("settings/integrations/hubspot/fields/create", views.create_fields, name="create-fields"),
]
urlpatterns = [
    path("api/v1/integrations/hubspot/webhook", webhook, name="hubspot-webhook"),
    path("", include((patterns, "hubspot"))),
]
