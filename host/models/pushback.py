"""The pushback outbox: each recorded score on its way to one CRM record, and what happened."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PushbackItem(models.Model):
    """One score queued for one integration's record (``host.pushback``); also the log row."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        WRITTEN = "written", "Written"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    provider = models.CharField(max_length=50)  # the integration's key
    response_id = models.UUIDField()
    contact_id = models.UUIDField()
    external_id = models.CharField(max_length=255)
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
        constraints = [  # a redelivered score is stored once per integration
            models.UniqueConstraint(fields=["provider", "response_id"],
                                    name="pushback_response_unique"),
        ]
        indexes = [
            models.Index(fields=["provider", "answered_at"], condition=Q(status="queued"),
                         name="pushback_due_idx"),
            models.Index(fields=["provider", "external_id", "kind", "-answered_at"],
                         name="pushback_record_idx"),  # newest-score-wins
            models.Index(fields=["provider", "-updated_at"], name="pushback_log_by_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.kind}={self.score} → {self.external_id} ({self.status})"
