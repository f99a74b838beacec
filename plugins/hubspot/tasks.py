"""Celery tasks of the HubSpot plugin: the scheduled sync fan-out (until the host owns it)."""

from host.celery_app import app
from host.tasking import for_each_org, org_task

KEY = "hubspot"


def _enabled(org) -> bool:
    from host.integrations import is_enabled

    return is_enabled(KEY, org)


def _connected():
    from host.models import IntegrationConnection

    return IntegrationConnection.objects.filter(
        provider=KEY, status=IntegrationConnection.Status.CONNECTED)


@org_task(name="hubspot.sync_org")
def sync_org_task() -> str:
    from host.sync import SyncNotPossible, execute_run, start_run

    try:
        run = start_run(KEY, trigger="schedule")
    except SyncNotPossible as exc:
        return f"skipped: {exc}"
    return execute_run(run.pk).status


@app.task(name="hubspot.sync_all")
def sync_all_task() -> int:
    return for_each_org(sync_org_task, org_filter=_enabled, due=_connected)
