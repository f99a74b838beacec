"""API keys, per-org rate-limit profiles and stored idempotent responses (public schema)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class ApiKey(models.Model):
    """A scoped key of one organization. Only a SHA-256 of the full key is stored."""

    organization = models.ForeignKey(
        "tenants.Organization", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)  # e.g. "dem_xK3p9vL2", shown in lists
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = ArrayField(models.CharField(max_length=40), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    request_count = models.PositiveBigIntegerField(default=0)
    is_active = models.BooleanField(default=True)  # False = revoked

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class RateLimitSetting(models.Model):
    """An organization's API rate-limit profile, optionally with its own per-window numbers."""

    class Profile(models.TextChoices):
        STARTER = "starter", "Starter"
        PRO = "pro", "Pro"
        BUSINESS = "business", "Business"
        ENTERPRISE = "enterprise", "Enterprise"

    organization = models.OneToOneField(
        "tenants.Organization", on_delete=models.CASCADE, related_name="api_rate_limit"
    )
    profile = models.CharField(max_length=20, choices=Profile.choices, default=Profile.STARTER)
    per_minute = models.PositiveIntegerField(null=True, blank=True, help_text="Overrides the profile.")
    per_hour = models.PositiveIntegerField(null=True, blank=True, help_text="Overrides the profile.")

    def __str__(self) -> str:
        return f"{self.organization} API limits ({self.profile})"


class IdempotencyRecord(models.Model):
    """The first response to a request sent with an ``Idempotency-Key`` header."""

    organization = models.ForeignKey("tenants.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status_code = models.PositiveSmallIntegerField(null=True)  # None while the first call runs
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.key}"
