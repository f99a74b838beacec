"""Inbound events (webhooks): stored before they are acknowledged, processed once."""

from __future__ import annotations

from django.db import models


class InboundEvent(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=50)
    dedupe_key = models.CharField(max_length=255)
    kind = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)  # secrets are redacted before storing
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=255, blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "dedupe_key"], name="event_dedupe_unique")
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.provider}:{self.dedupe_key} ({self.status})"


class EventWakeup(models.Model):
    """An integration's ``process_new_events`` task was sent and has not started yet (one row per
    integration at most): the webhook writes it in the statement that stores its events, the task
    deletes it before it reads (``host.events``)."""

    provider = models.CharField(max_length=50, primary_key=True)
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.provider} woken at {self.marked_at:%H:%M:%S}"
