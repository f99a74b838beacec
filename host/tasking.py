"""Helpers for Celery work: org-scoped tasks, enqueue after commit, per-org fan-out."""

from __future__ import annotations

from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, tenant_context

from host.celery_app import app


class OrgRequired(RuntimeError):
    """An org task was sent without an organization (it would run in the public schema)."""


class OrgTask(app.Task):
    """A task that only runs inside an organization's schema.

    tenant-schemas-celery switches to the schema named in the message headers before the task
    runs; a message without one would run in the public schema, so it is refused.
    """

    abstract = True

    def __call__(self, *args, **kwargs):
        if connection.schema_name == get_public_schema_name():
            raise OrgRequired(f"{self.name} arrived without an organization; refusing to run.")
        return super().__call__(*args, **kwargs)


def org_task(*args, **kwargs):
    """Decorator for tasks that read or write one organization's data."""
    kwargs.setdefault("base", OrgTask)
    return app.task(*args, **kwargs)


def enqueue(task, *args, countdown: int | None = None, **kwargs) -> None:
    """Send ``task`` once the current transaction commits, in the current org's schema
    (``countdown`` seconds later if given; keep it short: long waits live in the database)."""
    headers = {"_schema_name": connection.schema_name}

    def send() -> None:  # a named function: Django logs a failing robust hook by __qualname__
        task.apply_async(args=args, kwargs=kwargs, headers=headers, countdown=countdown)

    # robust: a broker outage must not undo or fail the committed work; sweepers re-enqueue.
    transaction.on_commit(send, robust=True)


def for_each_org(task, *args, due=None, org_filter=None, when=None, **kwargs) -> int:
    """Enqueue ``task`` once per organization (from a public periodic task); return the count.

    ``due()`` returns a queryset of the org's due work: only orgs where it has rows get the
    task, found with one query across all schemas (``host.fanout``); prefer it. ``org_filter``
    is a cheap test on the ``Organization`` row (no query). ``when(org)``, evaluated inside each
    org's schema, is the slow per-org form kept for plugins that have not moved to ``due``.
    """
    from host.fanout import schemas_with_due_work
    from tenants.models import Organization

    orgs = [org for org in Organization.objects.exclude(schema_name=get_public_schema_name())
            if org_filter is None or org_filter(org)]
    if due is not None:
        with_work = schemas_with_due_work(due, [org.schema_name for org in orgs])
        orgs = [org for org in orgs if org.schema_name in with_work]
    count = 0
    for org in orgs:
        if when is not None:
            with tenant_context(org):
                if not when(org):
                    continue
        task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": org.schema_name})
        count += 1
    return count
