"""Beat's per-minute fan-out vs org count (10, 100, 200): before and after the due-work query.

Before: every minute, ``for_each_org`` published the stuck-event sweep and the due-step dispatch
to every org (two tasks per org, each a worker round-trip and a query in its schema, nearly all
finding nothing), and the pushback fan-out entered each org's schema to look for due items.
After: one ``UNION ALL`` of ``EXISTS`` probes across the schemas per periodic task
(``host.fanout``); only orgs with due work get a task. One org in 20 has a stuck event here.

    DEV_REDIS_PORT=... .venv/bin/python -m benchmarks.beat_fanout
    BENCH_FANOUT_SIZES=100,200 BENCH_FANOUT_KEEP=1 ...   # other sizes; keep the orgs for a rerun

Creating 200 orgs takes minutes (a schema clone each); a kept set is reused by the next run.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

from benchmarks.common import median, report, setup

SIZES = tuple(int(n) for n in os.environ.get("BENCH_FANOUT_SIZES", "10,100,200").split(","))
REPEAT = 5
DUE_EVERY = 20  # one org in 20 has a stuck (pending, old) webhook event


def legacy_minute() -> int:
    """The per-minute fan-out as it was (host/tasking.py before the due-work query)."""
    from django.utils import timezone
    from django_tenants.utils import get_public_schema_name, tenant_context

    from host.integrations import get_connection, is_enabled
    from host.pushback import due_items
    from host.tasks import push_queued_task, requeue_stuck_events_task
    from plugins.sequences.tasks import dispatch_due_org_task
    from tenants.models import Organization

    def for_each_org(task, when=None) -> int:
        count = 0
        for org in Organization.objects.exclude(schema_name=get_public_schema_name()):
            with tenant_context(org):
                if when is not None and not when(org):
                    continue
                task.apply_async(headers={"_schema_name": org.schema_name})
            count += 1
        return count

    def due(org) -> bool:
        return (is_enabled("salesforce", org) and get_connection("salesforce").is_connected
                and due_items("salesforce", timezone.now()).exists())

    return (for_each_org(requeue_stuck_events_task) + for_each_org(dispatch_due_org_task)
            + for_each_org(push_queued_task, when=due))


def current_minute() -> int:
    """Since the scheduled sync moved to the host (``host.sync_all``, one query per SYNC
    integration every minute, instead of a plugin's 15-minute entry), it is part of the minute;
    so is the host's pushback fan-out (``host.push_all``)."""
    from host.tasks import push_all as push_all_task
    from host.tasks import sweep_pending_events, sweep_stuck_syncs, sync_all
    from plugins.sequences.tasks import dispatch_due_task

    return (sweep_pending_events() + dispatch_due_task() + push_all_task()
            + sweep_stuck_syncs() + sync_all())


def measure(minute) -> tuple[float, int, int]:
    """Median wall time (ms) of one minute's fan-out, its SQL statements and tasks published."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from host.celery_app import app

    timings = []
    for _ in range(REPEAT):
        connection.set_schema_to_public()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            tasks = minute()
            timings.append((time.perf_counter() - start) * 1000)
        app.control.purge()  # nobody consumes the benchmark's Redis database
    statements = len(queries)
    return median(timings), statements, tasks


def grow_to(count: int, created: list) -> None:
    from django.db import connection
    from django.utils import timezone

    from host.models import InboundEvent
    from tenants.services import create_organization

    while len(created) < count:
        slug = f"fan-{uuid.uuid4().hex[:8]}"
        created.append(create_organization(slug, slug))
        connection.close()  # a clone per connection: one backend's catalog cache keeps growing
    for org in created[DUE_EVERY - 1:count:DUE_EVERY]:
        with org:
            event, _ = InboundEvent.objects.get_or_create(
                provider="salesforce", dedupe_key="stuck", defaults={"kind": "test"})
            InboundEvent.objects.filter(pk=event.pk).update(
                status="pending", received_at=timezone.now() - timedelta(hours=1))


def main() -> None:
    setup("platform_bench_fanout")
    from tenants.models import Organization

    created = list(Organization.objects.filter(slug__startswith="fan-").order_by("pk"))
    if len(created) > min(SIZES):
        raise SystemExit(f"{len(created)} kept orgs: more than the smallest size {min(SIZES)}")
    try:
        for size in SIZES:
            grow_to(size, created)
            before = measure(legacy_minute)
            after = measure(current_minute)
            report(f"beat fan-out per minute, {size} orgs, before", before[0], "ms",
                   note=f"{before[1]} SQL statements, {before[2]} tasks")
            report(f"beat fan-out per minute, {size} orgs, after", after[0], "ms",
                   note=f"{after[1]} SQL statements, {after[2]} tasks")
    finally:
        for org in created if not os.environ.get("BENCH_FANOUT_KEEP") else ():
            org.delete(force_drop=True)


if __name__ == "__main__":
    main()
