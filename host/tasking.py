"""Helpers for Celery work: org-scoped tasks, enqueue after commit, per-org fan-out."""

from __future__ import annotations

import json
import logging
from functools import cache

import redis
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, tenant_context

from host.celery_app import app

log = logging.getLogger(__name__)
# A fan-out task or a wake-up waiting in its queue is marked in Redis (its key in this message
# header) until it starts: beat's next minute, or the next score of a burst, does not enqueue it
# again behind itself. (Webhook events mark their task in PostgreSQL instead, in the statement
# that stores them: host.events.) The mark expires (PENDING_TTL for fan-outs, WAKE_TTL for
# wake-ups), so a message the broker lost is sent again then.
PENDING_HEADER = "fanout_pending"
PENDING_TTL = 600
WAKE_TTL = 60


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
        pending = _header(self.request, PENDING_HEADER)
        if pending:  # from here on, the next fan-out may send it again
            _forget_pending(pending)
        if not _integration_enabled(self, connection.tenant):
            log.info("%s: the integration is disabled for this organization; nothing done",
                     self.name)
            return None
        return super().__call__(*args, **kwargs)


def _header(request, name: str):
    """A message header: merged into the request by the Redis transport, under ``headers``
    otherwise (``apply``), as tenant-schemas-celery reads ``_schema_name``."""
    return (request.headers or {}).get(name) or request.get(name)


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


def wake(task, *args, ttl: int = WAKE_TTL) -> None:
    """Enqueue ``task`` for the current org once the current transaction commits, unless the
    same task with the same arguments still waits in its queue: a burst of answers wakes one
    score writer, which then handles all of them, instead of one task per answer.

    ``task`` must take the work that is there when it starts (its mark is cleared then, before
    it reads; this marks after the commit, so a task that starts later sees the new rows). A
    wake-up the broker lost delays the work by ``ttl`` at most (``WAKE_TTL`` by default); a
    broker outage leaves it to the caller's sweeper. A copy that waits in its queue longer than
    ``ttl`` lets the next wake-up send another. No countdown: a worker holds a message with one
    until it is due, and one killed meanwhile would keep the task and its mark. The mark is
    shared with ``for_each_org``: beat's fan-out of the same task waits for it too.
    """
    schema = connection.schema_name

    def send() -> None:  # a copy still waiting in the queue will see this transaction's rows
        _send_unless_pending(task, schema, args, {}, ttl)

    transaction.on_commit(send, robust=True)


def forget_wake(task, *args) -> None:
    """Clear the current org's mark for ``task`` with these arguments: the next ``wake`` sends
    a copy even if one still waits (e.g. to run now rather than behind a copy waiting in a
    long queue)."""
    _forget_pending(pending_key(connection.schema_name, task, list(args)))


def for_each_org(task, *args, due=None, org_filter=None, when=None, **kwargs) -> int:
    """Enqueue ``task`` once per organization (from a public periodic task); return the count.

    ``due()`` returns a queryset of the org's due work: only orgs where it has rows get the
    task, found with one query across all schemas (``host.fanout``); prefer it. An org whose
    previous copy of the task still waits in its queue gets none (``PENDING_HEADER``; ``task``
    is an ``org_task``, which clears the mark when it starts). ``org_filter``
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
        # Not when the same task still waits in its queue for this org (a backlog).
        count += _send_unless_pending(task, org.schema_name, args, kwargs, PENDING_TTL)
    return count


def _send_unless_pending(task, schema: str, args, kwargs: dict, ttl: int) -> bool:
    """Send ``task`` for ``schema`` with a mark in Redis (``PENDING_HEADER``, cleared when it
    starts), unless an earlier copy's mark is still there; True when sent. A failed publish
    clears the mark, so the next attempt is not held back until it expires."""
    key = pending_key(schema, task, list(args))
    if not _mark_pending(key, ttl):
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs,
                         headers={"_schema_name": schema, PENDING_HEADER: key})
    except Exception:
        _forget_pending(key)
        raise
    return True


def pending_prefix() -> str:
    """Marks of different databases (dev, tests) never mix in a shared Redis."""
    return f"fanout-pending:{settings.DATABASES['default']['NAME']}"


def pending_key(schema: str, task, args) -> str:
    name = getattr(task, "name", type(task).__name__)
    return f"{pending_prefix()}:{schema}:{name}:{json.dumps(args, default=str)}"


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)


def _mark_pending(key: str, ttl: int = PENDING_TTL) -> bool:
    """True when nothing was pending under ``key`` (now it is)."""
    try:
        return bool(_redis().set(key, 1, nx=True, ex=ttl))
    except redis.RedisError:
        return True  # enqueue anyway: the publish says whether the broker is there


def _forget_pending(key: str) -> None:
    try:
        _redis().delete(key)
    except redis.RedisError:
        log.warning("could not clear the queue mark %s; it expires by itself", key)
