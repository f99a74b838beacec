"""Celery tasks of the sequences runtime."""

from host.celery_app import app
from host.tasking import for_each_org, org_task


@org_task(name="sequences.deliver")
def deliver_task(sending_ids: list[str]) -> dict[str, int]:
    from plugins.sequences.delivery import deliver

    return deliver(sending_ids)


@org_task(name="sequences.dispatch_due_org")
def dispatch_due_org_task() -> int:
    from plugins.sequences.delivery import dispatch_due

    return dispatch_due()


@app.task(name="sequences.dispatch_due")
def dispatch_due_task() -> int:
    """Periodic: orgs with due steps hand them to workers."""
    from plugins.sequences.delivery import due_sendings

    return for_each_org(dispatch_due_org_task, due=due_sendings)
