"""One run of a contact sync, with its counters and progress."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class SyncRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PAUSED = "paused", "Paused"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(
        "host.IntegrationConnection", on_delete=models.CASCADE, related_name="sync_runs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=10, default="manual")  # manual | schedule
    full = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    # The lease (host.sync): which execution runs it, until when (renewed with every page). A
    # run waiting for a worker has no owner and lease_expires_at is when the sweeper looks again.
    lease_owner = models.CharField(max_length=64, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    resumes = models.PositiveSmallIntegerField(default=0)  # times the sweeper re-enqueued it

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # A second "Sync Now" while one runs cannot start another.
            models.UniqueConstraint(
                fields=["connection"], condition=Q(status="running"), name="one_running_sync"
            )
        ]
        indexes = [  # the sweeper's probe across schemas
            models.Index(fields=["lease_expires_at"], condition=Q(status="running"),
                         name="running_sync_lease"),
        ]

    def __str__(self) -> str:
        return f"sync {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, round(100 * self.processed / self.total))
