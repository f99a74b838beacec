"""The connection row a PER_ORG webhook checks its secret and account against, kept for a moment.

A CRM that delivers a burst of events to one org (its backlog after an outage, a mass update)
would otherwise read the same row once per event: on a busy machine that round trip costs as
much as the event's INSERT. Each web process keeps the row of a *connected* org for
``WEBHOOK_CONNECTION_CACHE_SECONDS`` (default 2; 0 turns the cache off). A change saved in this
process drops the row at once; one saved in another process counts here within that time. So
removing or rotating the secret, switching the global fallback off, requiring signatures or
disconnecting takes effect on every web process within 2 seconds (an event accepted in that
window of a disconnect is stored, then ignored as disconnected). Rows of orgs that are not
connected are never kept: connecting, and every refusal, take effect at once.

Keyed by database, schema and integration: one org's row never answers for another.
"""

from __future__ import annotations

import threading

from cachetools import TTLCache
from django.conf import settings
from django.db import connection as db
from django.db.models.signals import post_delete, post_save

MAX_ROWS = 10_000  # per process; the least recently used go first

_lock = threading.Lock()  # gunicorn's threads share the cache
_kept: TTLCache | None = None


def for_webhook(key: str):
    """The org's connection of integration ``key`` (only the columns the checks read), or None."""
    from host.models import IntegrationConnection

    seconds = settings.WEBHOOK_CONNECTION_CACHE_SECONDS
    cache_key = (db.settings_dict["NAME"], db.schema_name, key)
    if seconds > 0:
        with _lock:
            row = _rows(seconds).get(cache_key)
        if row is not None:
            return row
    row = next(iter(IntegrationConnection.objects.filter(provider=key).only(
        "provider", "status", "external_account_id", "settings")[:1]), None)
    if seconds > 0 and row is not None and row.status == IntegrationConnection.Status.CONNECTED:
        with _lock:
            _rows(seconds)[cache_key] = row
    return row


def forget(*args, **kwargs) -> None:
    """Drop every kept row of this process (a connection changed; tests)."""
    global _kept
    with _lock:
        _kept = None



def _rows(seconds: float) -> TTLCache:
    """The kept rows (call with ``_lock`` held)."""
    global _kept
    if _kept is None or _kept.ttl != seconds:
        _kept = TTLCache(maxsize=MAX_ROWS, ttl=seconds)
    return _kept


def connect_signals() -> None:
    from host.models import IntegrationConnection

    post_save.connect(forget, sender=IntegrationConnection, weak=False,
                      dispatch_uid="webhook-connection-cache")
    post_delete.connect(forget, sender=IntegrationConnection, weak=False,
                        dispatch_uid="webhook-connection-cache")
