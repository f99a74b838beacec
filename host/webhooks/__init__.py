"""Webhook ingress owned by the host: ``POST /api/v1/integrations/<key>/webhook``.

Plugins declare ``IntegrationInfo.webhook`` and implement ``webhook_verify`` and
``webhook_parse``; the host checks the host name and method, resolves the secret (``secrets``),
limits the body, stores and deduplicates the events (``host.events``), routes APP webhooks to
their organization (``routes``), and owns the sweeper, *Replay* and the event log.
"""
