"""The Salesforce plugin's own data, in each organization's schema."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PushbackItem(models.Model):
    """One recorded score on its way to a Salesforce Contact, and what happened to it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        WRITTEN = "written", "Written"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    response_id = models.UUIDField(unique=True)
    contact_id = models.UUIDField()
    external_id = models.CharField(max_length=18)
    kind = models.CharField(max_length=4)  # nps | csat
    score = models.PositiveSmallIntegerField()
    answered_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    fields = models.JSONField(default=dict, blank=True)  # what was (or would be) written
    error = models.TextField(blank=True, default="")
    error_code = models.CharField(max_length=60, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["answered_at"], condition=Q(status="queued"),
                         name="pushback_queued_idx"),
            models.Index(fields=["external_id", "kind", "-answered_at"]),
            models.Index(fields=["-updated_at"], name="pushback_log_idx"),  # the pushback log
        ]

    def __str__(self) -> str:
        return f"{self.kind}={self.score} → {self.external_id} ({self.status})"
