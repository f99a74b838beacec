"""Settings sections any integration's configure page includes, driven by what the plugin
declares (``IntegrationInfo``: capabilities, required settings, connect form, connection facts,
``webhook``).

Each module has ``TEMPLATE`` (under ``host/templates/host/sections/``) and a
``context(request, connection) -> dict`` (the same protocol as a plugin's own sections). Their
POST actions are the host's routes under ``/settings/integrations/<key>/``: the connection and
sync sections post to the generic per-integration routes; the trigger (with the webhook URL and
secret where the integration declares a PER_ORG webhook) and event-log sections to the routes
below. A plugin lists them in its page's sections, e.g. ``SECTIONS = [host.sections.connection,
host.sections.trigger, ..., host.sections.events]``; the host's generic integration page
(``/settings/integrations/<key>``) shows them for plugins without a page of their own.
"""

from django.urls import path

from host.sections import events, trigger

urlpatterns = [
    path("settings/integrations/<slug:key>/trigger", trigger.save_trigger,
         name="integration-trigger-save"),
    path("settings/integrations/<slug:key>/webhook-secret", trigger.generate_secret,
         name="integration-webhook-secret"),
    path("settings/integrations/<slug:key>/webhook-secret/remove", trigger.remove_secret,
         name="integration-webhook-secret-remove"),
    path("settings/integrations/<slug:key>/webhook-fallback", trigger.webhook_fallback,
         name="integration-webhook-fallback"),
    path("settings/integrations/<slug:key>/webhook-signing", trigger.webhook_signing,
         name="integration-webhook-signing"),
    path("settings/integrations/<slug:key>/events/<int:pk>/replay", events.replay_event,
         name="integration-event-replay"),
]
