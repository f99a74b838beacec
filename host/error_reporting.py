"""Optional error reporting to Sentry: on only when ``SENTRY_DSN`` is set (``host.apps`` calls
``init`` in every process: web, worker, beat).

Every event is tagged with the org (the active schema) and the log context (integration, task
id, request id), and goes through ``before_send``: the platform's one ``redact`` on every string
(URLs, messages, exception values, breadcrumbs), credentials headers and cookies dropped. Frame
local variables are not sent at all (a CRM token or a decrypted credential can sit in one under
any name), and neither is personal data (``send_default_pii`` off).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from host.log_context import CONTEXT_FIELDS, current, redact

DROPPED_HEADERS = {"authorization", "cookie", "x-api-key", "proxy-authorization", "set-cookie",
                   "x-salesforce-signature", "x-salesforce-webhook-secret", "x-webhook-secret",
                   "x-csrftoken"}
FILTERED = "[Filtered]"


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: (FILTERED if isinstance(key, str) and key.lower() in DROPPED_HEADERS
                      else _scrub(item)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def before_send(event: dict, hint: dict | None = None) -> dict:
    """Tag the event with where it happened and redact every secret in it."""
    tags = event.setdefault("tags", {})
    tags.setdefault("org", getattr(connection, "schema_name", None) or "-")
    for name in CONTEXT_FIELDS:
        if value := current(name):
            tags.setdefault(name, value)
    request = event.get("request") or {}
    request.pop("cookies", None)
    request.pop("data", None)  # bodies: webhook payloads, API requests with contact data
    for frames in _frames(event):
        for frame in frames:
            frame.pop("vars", None)
    return _scrub(event)


def _frames(event: dict):
    for exception in (event.get("exception") or {}).get("values") or []:
        yield (exception.get("stacktrace") or {}).get("frames") or []
    for thread in (event.get("threads") or {}).get("values") or []:
        yield (thread.get("stacktrace") or {}).get("frames") or []


def before_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return _scrub(crumb)


def init(dsn: str | None = None, **options) -> bool:
    """Start the Sentry client when a DSN is configured; return whether it started."""
    dsn = settings.SENTRY_DSN if dsn is None else dsn
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=settings.SENTRY_ENVIRONMENT or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
        **options,
    )
    return True
