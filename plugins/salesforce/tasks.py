"""Celery tasks of the Salesforce plugin."""

from host.celery_app import app
from host.tasking import for_each_org, org_task

KEY = "salesforce"


def _enabled(org) -> bool:
    from host.integrations import is_enabled

    return is_enabled(KEY, org)


def _connected():
    """The org's Salesforce connection, if connected (a one-row queryset for the fan-out)."""
    from host.models import IntegrationConnection

    return IntegrationConnection.objects.filter(
        provider=KEY, status=IntegrationConnection.Status.CONNECTED)


@org_task(name="salesforce.sync_org")
def sync_org_task() -> str:
    """Scheduled sync of one org (skipped quietly when one runs or the API limit was hit)."""
    from host.sync import SyncNotPossible, execute_run, start_run

    try:
        run = start_run(KEY, trigger="schedule")
    except SyncNotPossible as exc:
        return f"skipped: {exc}"
    return execute_run(run.pk).status


@app.task(name="salesforce.sync_all")
def sync_all_task() -> int:
    """Periodic: fan out the contact sync over connected orgs only."""
    return for_each_org(sync_org_task, org_filter=_enabled, due=_connected)
