"""The org host's Settings > API pages; included at the root of ``host.urls_org``."""

from django.urls import path

from api.web import views

urlpatterns = [
    path("settings/api", views.api_keys, name="api-keys"),
    path("settings/api/<int:key_id>/delete", views.delete_key, name="api-key-delete"),
]
