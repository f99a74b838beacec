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


@org_task(name="salesforce.push_queued")
def push_queued_task() -> dict:
    """Write the org's due queued scores; a connection that is not connected keeps its queue."""
    from host.integrations import get_connection
    from plugins.salesforce.pushback import push_queued

    conn = get_connection(KEY)
    if not conn.is_connected:
        return {"kept": conn.status}
    return push_queued(conn)


@app.task(name="salesforce.push_all")
def push_all_task() -> int:
    """Periodic: write queued scores (retries and deferrals that came due) in connected orgs."""
    from django.db.models import Exists
    from django.utils import timezone

    from plugins.salesforce.pushback import due_items

    def due():
        return due_items(timezone.now()).filter(Exists(_connected()))

    return for_each_org(push_queued_task, org_filter=_enabled, due=due)
