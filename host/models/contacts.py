"""Contacts and their links to records in external CRMs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q


def normalize_email(value: str | None) -> str:
    """Lower-cased, trimmed email, or ``""`` when missing or malformed."""
    email = (value or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


class Contact(models.Model):
    LANGUAGES = settings.LANGUAGES  # the survey languages (README "Translations")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.CharField(max_length=254, blank=True, default="")  # normalized; "" = none
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    title = models.CharField(max_length=128, blank=True, default="")
    company = models.CharField(max_length=255, blank=True, default="")
    preferred_language = models.CharField(max_length=2, choices=LANGUAGES, default="en")
    # Ids in the product's location / contact-organization registries (kept as given).
    location_id = models.UUIDField(null=True, blank=True, db_index=True)
    contact_organization_id = models.UUIDField(null=True, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    unsubscribed = models.BooleanField(default=False)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="contact_email_unique"
            )
        ]
        indexes = [models.Index(fields=["company"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.full_name or self.email or str(self.id)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ExternalLink(models.Model):
    """A contact's record in one external system (provider = integration key)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="links")
    provider = models.CharField(max_length=50)
    external_id = models.CharField(max_length=64)
    external_modified_at = models.DateTimeField(null=True, blank=True)
    # Set when a trigger from this integration enrolled the contact: it leaves the manual queue.
    last_triggered_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="link_external_unique"),
            models.UniqueConstraint(fields=["provider", "contact"], name="link_contact_unique"),
        ]
        indexes = [
            models.Index(fields=["provider", "id"], condition=Q(last_triggered_at__isnull=True),
                         name="link_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"
