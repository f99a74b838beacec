"""The sequences runtime's data, in each organization's schema."""

from __future__ import annotations

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SendingSettings(models.Model):
    """The organization's sending defaults (a single row)."""

    from_name = models.CharField(max_length=100, blank=True, default="")
    # Where contacts' replies go; empty: to the sender address. Only ever this org's own.
    reply_to = models.EmailField(blank=True, default="")
    cooldown_days = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(3650)],
        help_text="No new survey for a contact within this many days of the last one; 0 disables.",
    )

    def __str__(self) -> str:
        return "Sending settings"

    @classmethod
    def load(cls) -> SendingSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class Survey(models.Model):
    class Kind(models.TextChoices):
        NPS = "nps", "NPS (0-10)"
        CSAT = "csat", "CSAT (1-5)"

    SCALES = {Kind.NPS: range(0, 11), Kind.CSAT: range(1, 6)}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    question_en = models.CharField(max_length=500)
    question_fr = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def scale(self) -> range:
        return self.SCALES[self.kind]

    def question(self, language: str) -> str:
        """The organization's own question in ``language`` (one field per language); the
        English one for a language the survey has no field for."""
        return getattr(self, f"question_{language}", None) or self.question_en


class Sequence(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ARCHIVED = "archived", "Archived"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_status(self, status: str) -> None:
        if status == self.Status.ACTIVE and not self.steps.exists():
            raise ValidationError("A sequence with no steps cannot be activated.")
        if status == self.Status.ACTIVE and not self.steps.filter(kind=Step.Kind.SURVEY).exists():
            raise ValidationError("Add a survey email step before activating.")
        self.status = status
        self.save(update_fields=["status", "updated_at"])

    @property
    def survey(self) -> Survey | None:
        step = self.steps.filter(kind=Step.Kind.SURVEY).select_related("survey").first()
        return step.survey if step else None


class Step(models.Model):
    class Kind(models.TextChoices):
        SURVEY = "survey", "Survey email"
        REMINDER = "reminder", "Reminder email (only if no response yet)"

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SURVEY)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, null=True, blank=True)
    delay_hours = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(24 * 365)],
        help_text="Hours after the previous step (0 = at once).",
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "position"], name="step_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()} after {self.delay_hours} h"

    def clean(self) -> None:
        if self.kind == self.Kind.SURVEY and self.survey_id is None:
            raise ValidationError({"survey": "Choose the survey this email sends."})


class Sending(models.Model):
    """One contact's run through one sequence."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual queue"
        AUTO = "auto", "Automatic (webhook)"
        API = "api", "API"

    OPEN = (Status.PENDING, Status.SCHEDULED, Status.SENT)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey("host.Contact", on_delete=models.PROTECT, related_name="sendings")
    sequence = models.ForeignKey(Sequence, on_delete=models.PROTECT, related_name="sendings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=10, choices=Source.choices)
    reference = models.CharField(max_length=255, blank=True, default="")
    provider = models.CharField(max_length=50, blank=True, default="")  # integration, if any
    idempotency_key = models.CharField(max_length=64, unique=True)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    next_position = models.PositiveIntegerField(default=1)  # the step to run next
    next_run_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The first time the contact opened the survey link (a visit to the survey page, or the
    # answer itself): "opened" on the results funnel. No tracking pixel: images are often
    # blocked, and a link click is the open that matters. Link scanners may count as opens.
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # answered (a Response exists)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["next_run_at"], condition=Q(next_run_at__isnull=False),
                         name="sending_due_idx"),
            models.Index(fields=["contact", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
            # The results funnel: sendings sent in a period.
            models.Index(fields=["sent_at"], condition=Q(sent_at__isnull=False),
                         name="sending_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} → {self.contact} ({self.status})"


class SendingEvent(models.Model):
    """The history of a sending: every status change and every email."""

    sending = models.ForeignKey(Sending, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=30)  # created, email_sent, status, retry, ...
    status = models.CharField(max_length=10, blank=True, default="")  # status after the event
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class Response(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sending = models.OneToOneField(Sending, on_delete=models.CASCADE, related_name="response")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    contact = models.ForeignKey("host.Contact", on_delete=models.PROTECT, related_name="responses")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, default="", max_length=5000)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-answered_at"]
        indexes = [
            # Results: every figure is of the responses answered in a period, newest first.
            models.Index(fields=["-answered_at"], name="response_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.kind} {self.score} by {self.contact}"
