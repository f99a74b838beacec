"""The scheduled contact sync of every integration with the SYNC capability, from the host.

One beat entry (``host.sync_all``, every minute) asks, per integration, which orgs are due with
one query across the org schemas (``host.fanout``): the integration enabled for the org, its
connection connected, no run going on, and none started within the integration's interval
(``IntegrationInfo.sync_interval_setting`` / ``sync_interval_minutes``). Each due org gets one
``host.scheduled_sync`` task, which runs the sync as *Sync Now* does (``host.sync``).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from host.contracts import Capability


def sync_interval(info) -> timedelta:
    """How often an integration's connected orgs sync (a setting read now, else the default)."""
    from host.integrations import plugin_setting

    minutes = plugin_setting(info, info.sync_interval_setting) \
        if info.sync_interval_setting else None
    return timedelta(minutes=float(minutes if minutes is not None else info.sync_interval_minutes))


def due_syncs(key: str, interval: timedelta):
    """The org's connection to ``key`` if its scheduled sync is due (a one-row queryset)."""
    from host.models import IntegrationConnection, SyncRun

    now = timezone.now()
    recent = SyncRun.objects.filter(connection=OuterRef("pk"), started_at__gte=now - interval)
    running = SyncRun.objects.filter(connection=OuterRef("pk"), status=SyncRun.Status.RUNNING)
    return (IntegrationConnection.objects
            .filter(provider=key, status=IntegrationConnection.Status.CONNECTED)
            # Not paused (the API limit): no pause, or one that ended (ISO strings compare).
            .filter(Q(settings__sync_paused_until__isnull=True)
                    | Q(settings__sync_paused_until__lte=now.isoformat()))
            .exclude(Exists(recent)).exclude(Exists(running)))


def sync_fan_out(task) -> int:
    """Enqueue ``task(key)`` in every org where an integration's sync is due; the count."""
    from host.integrations import is_enabled, registry
    from host.tasking import for_each_org

    count = 0
    for key, integration in registry().items():
        if not integration.has(Capability.SYNC):
            continue
        interval = sync_interval(integration.info)
        count += for_each_org(task, key,
                              org_filter=lambda org, key=key: is_enabled(key, org),
                              due=lambda key=key, interval=interval: due_syncs(key, interval))
    return count
