"""The host's Celery tasks. Org tasks refuse to run without an organization."""

from __future__ import annotations

from host.celery_app import app
from host.retention import BATCH_SIZE, delete_in_batches
from host.tasking import for_each_org, org_task


@org_task(name="host.run_sync")
def run_sync_task(run_id: int) -> str:
    from host import log_context
    from host.models import SyncRun
    from host.sync import execute_run

    provider = SyncRun.objects.filter(pk=run_id).values_list("connection__provider",
                                                              flat=True).first()
    log_context.update(integration=provider or "-")  # on every line of the sync
    run = execute_run(run_id)
    _count_sync(run)
    return run.status


def _count_sync(run) -> None:
    from host import metrics

    if run.status == run.Status.RUNNING:
        return
    provider = run.connection.provider
    metrics.inc("sync_runs", integration=provider, status=run.status)
    for outcome in ("created", "updated", "deleted", "skipped"):
        metrics.inc("sync_records", getattr(run, outcome), integration=provider, outcome=outcome)


@org_task(name="host.scheduled_sync")
def scheduled_sync_task(provider: str) -> str:
    """A scheduled sync of one org and integration (skipped quietly when one runs, the org is
    not connected, or the CRM's API limit paused syncs)."""
    from host import log_context
    from host.sync import SyncNotPossible, execute_run, start_run

    log_context.update(integration=provider)
    try:
        run = start_run(provider, trigger="schedule")
    except SyncNotPossible as exc:
        return f"skipped: {exc}"
    run = execute_run(run.pk)
    _count_sync(run)
    return run.status


@app.task(name="host.sync_all")
def sync_all() -> int:
    """Periodic (public, every minute): the scheduled sync of every SYNC integration, only in
    orgs where it is enabled, connected and due (``host.schedule``); one query per integration."""
    from host.schedule import sync_fan_out

    return sync_fan_out(scheduled_sync_task)


@org_task(name="host.process_event")
def process_event_task(event_id: int) -> str:
    from host.events import process_event

    return process_event(event_id).status


@org_task(name="host.process_new_events")
def process_new_events_task(provider: str) -> int:
    """Woken by a webhook (``host.tasking.wake``): the integration's new events, in batches."""
    from host.events import process_new

    return process_new(provider)


@org_task(name="host.pushback")
def pushback_task(provider: str, updates: list[dict]) -> int:
    """Kept for messages sent before the outbox moved into the host: queue them."""
    from host.scores import queue_serialized

    return queue_serialized(provider, updates)


@org_task(name="host.push_queued")
def push_queued_task(provider: str) -> dict:
    """Write the org's due queued scores for one integration (``host.pushback``); a connection
    that is not connected, or an integration the org may not use, keeps its queue."""
    from host import log_context
    from host.integrations import get_connection, is_enabled
    from host.pushback import push_queued

    log_context.update(integration=provider)
    if not is_enabled(provider):
        return {"kept": "disabled"}
    conn = get_connection(provider)
    if not conn.is_connected:
        return {"kept": conn.status}
    return push_queued(conn)


@app.task(name="host.push_all")
def push_all() -> int:
    """Periodic (public): write due scores (retries and deferrals that came due), per
    integration, in the orgs that have due scores and are connected to it."""
    from django.db.models import Exists
    from django.utils import timezone

    from host.contracts import Capability
    from host.integrations import is_enabled, registry
    from host.models import IntegrationConnection
    from host.pushback import due_items

    count = 0
    for key, integration in registry().items():
        if not integration.has(Capability.PUSHBACK):
            continue

        def due(key=key):
            connected = IntegrationConnection.objects.filter(
                provider=key, status=IntegrationConnection.Status.CONNECTED)
            return due_items(key, timezone.now()).filter(Exists(connected))

        count += for_each_org(push_queued_task, key, due=due,
                              org_filter=lambda org, key=key: is_enabled(key, org))
    return count


@org_task(name="host.requeue_stuck_events")
def requeue_stuck_events_task() -> int:
    from host.events import requeue_stuck

    return requeue_stuck()


@app.task(name="host.sweep_pending_events")
def sweep_pending_events() -> int:
    """Periodic (public): the stuck-event sweep, in the orgs that have stuck events."""
    from host.events import stuck_events

    return for_each_org(requeue_stuck_events_task, due=stuck_events)


@org_task(name="host.heal_stuck_syncs")
def heal_stuck_syncs_task() -> dict[str, int]:
    from host.sync_lease import heal_stuck_runs

    return heal_stuck_runs()


@app.task(name="host.sweep_stuck_syncs")
def sweep_stuck_syncs() -> int:
    """Periodic (public): resume or fail sync runs with no live lease, in the orgs that have any."""
    from host.sync_lease import stuck_runs

    return for_each_org(heal_stuck_syncs_task, due=stuck_runs)


@app.task(name="host.beat_heartbeat")
def beat_heartbeat() -> None:
    """Periodic (public): proves beat schedules and a worker runs (``host.liveness``)."""
    from host.liveness import write_beat_heartbeat

    write_beat_heartbeat()


@org_task(name="host.purge_org_rows")
def purge_org_rows_task() -> dict[str, int]:
    from host.retention import purge_org

    return purge_org()


@app.task(name="host.purge_old_rows")
def purge_old_rows() -> int:
    """Periodic (public, daily): each org deletes its rows past their retention age; the public
    record of unrouted app-level webhook events follows the inbound events' age."""
    from host.retention import cutoffs
    from tenants.models import UnroutedWebhookEvent

    cut = cutoffs().get("inbound_events")
    if cut is not None:
        delete_in_batches(UnroutedWebhookEvent.objects.filter(last_received_at__lt=cut))
    return for_each_org(purge_org_rows_task)


@app.task(name="host.purge_expired_oauth_states")
def purge_expired_oauth_states(batch_size: int = BATCH_SIZE) -> int:
    """Periodic (public): pending authorizations (with their encrypted PKCE verifiers) go once
    expired, used or not; the callback refuses them from then on anyway."""
    from django.utils import timezone

    from tenants.models import OAuthState

    return delete_in_batches(OAuthState.objects.filter(expires_at__lt=timezone.now()),
                             batch_size)
