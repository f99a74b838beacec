"""Settings sections any integration's configure page can include, driven by its
``IntegrationInfo`` (capabilities, ``webhook``): each module has ``TEMPLATE`` and a
``context(request, connection) -> dict`` (the same protocol as a plugin's own sections), and
its POST actions are the host's routes under ``/settings/integrations/<key>/`` (below).

A plugin lists them in its page's sections, e.g. ``SECTIONS = [..., host.sections.trigger,
host.sections.events, ...]``; ``trigger`` holds the webhook URL and secret where the
integration declares a PER_ORG webhook.
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
