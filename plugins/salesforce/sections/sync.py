"""Sync Now with its live progress bar, the last runs, and the way to the manual queue (issue 6)."""

from host.trigger import queue_enabled

TEMPLATE = "salesforce/sections/sync.html"
urlpatterns: list = []


def context(request, conn) -> dict:
    return {"runs": conn.sync_runs.all()[:10], "queue_enabled": queue_enabled(conn)}
