"""URLs of every organization's host."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from host.plugin_urls import contributed
from host.sections import urlpatterns as sections_urlpatterns
from host.views import pages, queue
from host.views.auth import OrgLoginView
from host.webhooks.ingress import webhook

urlpatterns = [
    path("api/v1/", include("api.urls")),
    path("", pages.home, name="home"),
    path("accounts/login/", OrgLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/integrations", pages.integrations, name="integrations"),
    path("", include("api.urls_settings")),
    # Webhooks of every integration that declares one (host.webhooks.ingress).
    path("api/v1/integrations/<slug:key>/webhook", webhook, name="integration-webhook"),
]
# Plugins' own pages come before the generic per-integration routes, so a plugin can own
# /settings/integrations/<key>. Each is refused (404) where its integrations are disabled.
urlpatterns += contributed("org")
urlpatterns += [
    path("settings/integrations/<slug:key>", pages.integration_detail, name="integration-detail"),
    path("settings/integrations/<slug:key>/connect", pages.connect_start, name="integration-connect"),
    path("settings/integrations/<slug:key>/oauth/complete", pages.connect_complete,
         name="integration-oauth-complete"),
    path("settings/integrations/<slug:key>/disconnect", pages.disconnect,
         name="integration-disconnect"),
    path("settings/integrations/<slug:key>/sync", pages.sync_now, name="integration-sync"),
    path("settings/integrations/<slug:key>/sync/progress", pages.sync_progress,
         name="integration-sync-progress"),
    path("settings/integrations/<slug:key>/queue", queue.manual_queue, name="integration-queue"),
    *sections_urlpatterns,  # the host's settings sections' actions (host.sections)
]

handler400 = "host.views.errors.bad_request"
handler403 = "host.views.errors.permission_denied"
handler404 = "host.views.errors.not_found"
handler500 = "host.views.errors.server_error"
