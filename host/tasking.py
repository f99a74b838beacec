"""Helpers for Celery work: org-scoped tasks, enqueue after commit, per-org fan-out."""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, tenant_context

from host.celery_app import app

log = logging.getLogger(__name__)


class OrgRequired(RuntimeError):
    """An org task was sent without an organization (it would run in the public schema)."""


class OrgTask(app.Task):
    """A task that only runs inside an organization's schema.

    tenant-schemas-celery switches to the schema named in the message headers before the task
    runs; a message without one would run in the public schema, so it is refused. A task of an
    integration plugin does nothing in an organization that has none of the plugin's
    integrations enabled (platform staff disabled it after the task was sent): the host checks
    it here, so plugin tasks need no ``is_enabled`` of their own.
    """

    abstract = True

    def __call__(self, *args, **kwargs):
        if connection.schema_name == get_public_schema_name():
            raise OrgRequired(f"{self.name} arrived without an organization; refusing to run.")
        if not _integration_enabled(self, connection.tenant):
            log.info("%s: the integration is disabled for this organization; nothing done",
                     self.name)
            return None
        return super().__call__(*args, **kwargs)


def _integration_enabled(task, org) -> bool:
    """False when ``task`` belongs to an integration plugin none of whose integrations ``org``
    has enabled; True for host and runtime tasks."""
    from host.integrations import integration_keys_of_module, is_enabled

    # ``run`` is the task's function: its module is the plugin's (a lazy task proxy's own
    # ``__module__`` is Celery's).
    run = getattr(task, "run", None)  # a stand-in without one is nobody's plugin task
    keys = integration_keys_of_module(run.__module__) if run is not None else ()
    return not keys or any(is_enabled(key, org) for key in keys)


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
    Orgs that disabled the task's integration (``OrgTask``) are skipped by the host.
    """
    from host.fanout import schemas_with_due_work
    from tenants.models import Organization

    orgs = [org for org in Organization.objects.exclude(schema_name=get_public_schema_name())
            if (org_filter is None or org_filter(org)) and _integration_enabled(task, org)]
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
