"""URLs of the public host: platform staff, the shared OAuth callback, the public API."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from host.plugin_urls import contributed
from host.views import public
from host.views.metrics import metrics_view
from host.webhooks.ingress import webhook

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("oauth/<slug:key>/callback", public.oauth_callback, name="oauth-callback"),
    path("api/v1/", include("api.urls")),
    path("metrics", metrics_view, name="metrics"),  # Prometheus (host.metrics)
    # App-level webhooks, routed to the org of the event's account (host.webhooks.ingress).
    path("api/v1/integrations/<slug:key>/webhook", webhook, name="integration-webhook"),
]
urlpatterns += contributed("public")

handler400 = "host.views.errors.bad_request"
handler403 = "host.views.errors.permission_denied"
handler404 = "host.views.errors.not_found"
handler500 = "host.views.errors.server_error"
