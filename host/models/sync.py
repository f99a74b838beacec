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

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # A second "Sync Now" while one runs cannot start another.
            models.UniqueConstraint(
                fields=["connection"], condition=Q(status="running"), name="one_running_sync"
            )
        ]

    def __str__(self) -> str:
        return f"sync {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, round(100 * self.processed / self.total))
