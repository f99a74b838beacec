"""Settings sections any CRM's configure page includes, driven by what the plugin declares
(``IntegrationInfo``: capabilities, required settings, connect form, connection facts,
``webhook``, ``pushback``).

Each has ``TEMPLATE`` (under ``host/templates/host/sections/``) and a
``context(request, connection) -> dict`` (the same protocol as a plugin's own sections). The
connection and sync sections post to the generic per-integration routes; the trigger (with the
webhook URL and secret where the integration declares a PER_ORG webhook) and event-log sections
to the routes below; the field mapping and pushback log sections (``field_mapping``,
``pushback_log``) are instances with their own ``urlpatterns``, which the plugin mounts in its
own URL namespace, and a ``render_page(request, connection, status=200, **extra)`` that renders
its whole configure page, so an action can show its outcome (Test Fields' table) in place. A
plugin lists them in its page's sections; the host's generic integration page
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
