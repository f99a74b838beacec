"""Deleting old rows in batches: short transactions, no long lock on a busy table.

Per-kind ages come from settings (README "Retention"): ``RETENTION_<KIND>_DAYS``, 0 keeps a
kind forever. The daily ``host.purge_old_rows`` fans out one ``host.purge_org_rows`` per
organization, which deletes the host's kinds here and the plugins' through
``platform_expired_rows``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# kind -> setting: inbound events (the webhook event log), sending events (the sendings'
# timelines), pushback items written to the CRM, sync runs.
KINDS = {
    "inbound_events": "RETENTION_INBOUND_EVENTS_DAYS",
    "sending_events": "RETENTION_SENDING_EVENTS_DAYS",
    "pushback_items": "RETENTION_PUSHBACK_ITEMS_DAYS",
    "sync_runs": "RETENTION_SYNC_RUNS_DAYS",
}


def delete_in_batches(queryset, batch_size: int = BATCH_SIZE) -> int:
    """Delete every row of ``queryset``, ``batch_size`` at a time; return how many went.

    Each batch is its own short statement (autocommit): a lock is held on at most
    ``batch_size`` rows for milliseconds, never on the table.
    """
    deleted = 0
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return deleted
        count, _ = queryset.model.objects.filter(pk__in=pks).delete()
        deleted += count


def cutoffs(now=None) -> dict[str, object]:
    """The datetime before which each kind's rows go; kinds kept forever are left out."""
    now = now or timezone.now()
    result = {}
    for kind, setting in KINDS.items():
        days = getattr(settings, setting)
        if days > 0:
            result[kind] = now - timedelta(days=days)
    return result


def host_expired_rows(cut: dict) -> dict[str, object]:
    """The host's own kinds: final inbound events (never pending ones: they are still to be
    processed), finished sync runs (never a connection's latest: its page shows it) and
    written pushback items (``host.pushback.expired_rows``)."""
    from host import pushback
    from host.models import InboundEvent, SyncRun

    expired = {}
    if "inbound_events" in cut:
        expired["inbound_events"] = InboundEvent.objects.filter(
            received_at__lt=cut["inbound_events"]).exclude(status=InboundEvent.Status.PENDING)
    if "sync_runs" in cut:
        latest = SyncRun.objects.values("connection").annotate(latest=Max("pk")).values("latest")
        expired["sync_runs"] = SyncRun.objects.filter(
            started_at__lt=cut["sync_runs"]).exclude(
            status=SyncRun.Status.RUNNING).exclude(pk__in=latest)
    if "pushback_items" in cut:
        expired["pushback_items"] = pushback.expired_rows(cut["pushback_items"])
    return expired


def purge_org(now=None, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Delete the current org's rows past their age; return counts by model."""
    from host.hooks import platform

    cut = cutoffs(now)
    if not cut:
        return {}
    querysets = list(host_expired_rows(cut).values())
    querysets.extend(platform.platform_expired_rows(cutoffs=cut))
    counts: dict[str, int] = {}
    for queryset in querysets:
        deleted = delete_in_batches(queryset, batch_size)
        if deleted:
            name = queryset.model._meta.label
            counts[name] = counts.get(name, 0) + deleted
    if counts:
        log.info("retention: deleted %s", ", ".join(f"{n} {m}" for m, n in sorted(counts.items())))
    return counts
