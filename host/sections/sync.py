"""Sync Now with its live progress bar, the last runs, and the way to the manual queue."""

from __future__ import annotations

from host.contracts import Capability
from host.integrations import get_integration
from host.trigger import queue_enabled

TEMPLATE = "host/sections/sync.html"
urlpatterns: list = []


def context(request, conn) -> dict:
    integration = get_integration(conn.provider)
    return {"sync_info": integration.info, "runs": conn.sync_runs.all()[:10],
            "can_sync": integration.has(Capability.SYNC),
            "has_queue": integration.has(Capability.TRIGGER),
            "queue_enabled": queue_enabled(conn)}
