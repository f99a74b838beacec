"""Leases on sync runs, and the sweeper that heals runs nobody holds.

A sync run is executed by whoever holds its lease (one running run per org and integration, so
one lease per org and integration). The lease is taken when a task starts the run and renewed in
the transaction that saves each page, so a page is only written by the holder. A task redelivered
while the holder is alive (Redis's visibility timeout) finds the lease taken and does nothing; a
holder that lost its lease stops before writing anything more. A run whose lease lapsed (its
worker died, its task was never published) is re-enqueued by the sweeper and resumes from its
checkpoint; after ``SYNC_MAX_RESUMES`` attempts it fails with a reason the admin sees.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from host.models import SyncRun

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another execution took the run over (this one was too slow to renew)."""


def lease_length() -> timedelta:
    return timedelta(seconds=settings.SYNC_LEASE_SECONDS)


def new_owner() -> str:
    """One execution (not one task: a redelivered task keeps its id)."""
    return uuid.uuid4().hex


def acquire(run_id: int, owner: str) -> bool:
    """Take the run's lease unless another execution holds a live one."""
    now = timezone.now()
    return bool(SyncRun.objects.filter(
        Q(lease_owner="") | Q(lease_owner=owner) | Q(lease_expires_at__isnull=True)
        | Q(lease_expires_at__lt=now),
        pk=run_id, status=SyncRun.Status.RUNNING,
    ).update(lease_owner=owner, lease_expires_at=now + lease_length()))


def renew(run_id: int, owner: str) -> None:
    """Extend the lease (inside the page's transaction: the row lock orders the writers)."""
    if not SyncRun.objects.filter(pk=run_id, lease_owner=owner,
                                  status=SyncRun.Status.RUNNING).update(
            lease_expires_at=timezone.now() + lease_length()):
        raise LeaseLost(f"sync {run_id} was taken over by another execution")


def release(run_id: int, owner: str) -> None:
    """Give the run back to the queue (the next execution takes it at once)."""
    SyncRun.objects.filter(pk=run_id, lease_owner=owner).update(
        lease_owner="", lease_expires_at=timezone.now() + lease_length())


def stuck_runs():
    """Running runs nobody holds: the lease lapsed, or (rows from before leases) none was set."""
    now = timezone.now()
    return SyncRun.objects.filter(
        Q(lease_expires_at__lt=now)
        | Q(lease_expires_at__isnull=True, started_at__lt=now - lease_length()),
        status=SyncRun.Status.RUNNING)


def heal_stuck_runs() -> dict[str, int]:
    """Re-enqueue each stuck run of this org (it resumes from its checkpoint), or fail it once it
    was re-enqueued ``SYNC_MAX_RESUMES`` times, so it never blocks later syncs."""
    from host.tasking import enqueue
    from host.tasks import run_sync_task

    outcome = {"resumed": 0, "failed": 0}
    for run in stuck_runs():
        claimed = SyncRun.objects.filter(  # one sweeper wins a run, however many run at once
            pk=run.pk, status=SyncRun.Status.RUNNING, lease_owner=run.lease_owner,
            lease_expires_at=run.lease_expires_at)
        if run.resumes >= settings.SYNC_MAX_RESUMES:
            reason = (f"The sync stopped: no worker finished it after {run.resumes + 1} attempts "
                      "(the task queue was unavailable or workers kept stopping). Contacts synced "
                      "so far are kept; the next sync continues from there.")
            if claimed.update(status=SyncRun.Status.FAILED, finished_at=timezone.now(),
                              lease_owner="", error=reason):
                log.warning("sync %s failed by the sweeper after %s attempts", run.pk,
                            run.resumes + 1)
                outcome["failed"] += 1
            continue
        if claimed.update(resumes=F("resumes") + 1, lease_owner="",
                          lease_expires_at=timezone.now() + lease_length()):
            log.warning("sync %s had no live lease; re-enqueued (attempt %s)", run.pk,
                        run.resumes + 2)
            enqueue(run_sync_task, run.pk)
            outcome["resumed"] += 1
    return outcome
