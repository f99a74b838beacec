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


def for_each_org(task, *args, when=None, **kwargs) -> int:
    """Enqueue ``task`` once per organization (from a public periodic task); return the count.

    ``when(org)``, evaluated inside the org's schema, skips orgs that have nothing to do.
    """
    from tenants.models import Organization

    count = 0
    for org in Organization.objects.exclude(schema_name=get_public_schema_name()):
        with tenant_context(org):
            if when is not None and not when(org):
                continue
            task.apply_async(args=args, kwargs=kwargs,
                             headers={"_schema_name": org.schema_name})
        count += 1
    return count
