"""What platform staff see of an organization's integrations, read from inside its schema.

A handful of queries per organization: for one org's admin page, never for a list of many.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone


@dataclass(frozen=True)
class ConnectionRow:
    provider: str
    status: str
    last_sync: str
    pending_events: int
    pushback_backlog: int | str
    last_error: str


def connections(org) -> list[ConnectionRow]:
    from host import pushback
    from host.contracts import Capability
    from host.integrations import get_integration, is_enabled
    from host.models import InboundEvent, IntegrationConnection, SyncRun

    with org:
        conns = list(IntegrationConnection.objects.order_by("provider"))
        pending = dict(InboundEvent.objects.filter(status=InboundEvent.Status.PENDING)
                       .values_list("provider").annotate(n=Count("id")))
        last_runs = {run.connection_id: run for run in
                     SyncRun.objects.filter(connection__in=conns)
                     .order_by("connection_id", "-started_at").distinct("connection_id")}
        rows = []
        for conn in conns:
            try:
                pushes = get_integration(conn.provider).has(Capability.PUSHBACK)
            except LookupError:  # plugin gone
                pushes = False
            backlog = (pushback.backlog(conn.provider)
                       if pushes and is_enabled(conn.provider, org) else None)
            run = last_runs.get(conn.pk)
            rows.append(ConnectionRow(
                provider=conn.provider,
                status=conn.get_status_display(),
                last_sync=(f"{run.get_status_display()}, "
                           f"{timezone.localtime(run.started_at):%Y-%m-%d %H:%M} UTC "
                           f"({run.created} created, {run.updated} updated)") if run else "never",
                pending_events=pending.get(conn.provider, 0),
                pushback_backlog="—" if backlog is None else backlog,
                last_error=conn.last_error or "",
            ))
    return rows
