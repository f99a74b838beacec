"""An organization's connection to one integration, with its status and encrypted credentials."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from host import crypto


class IntegrationConnection(models.Model):
    class Status(models.TextChoices):
        NOT_CONNECTED = "not_connected", "Not connected"
        CONNECTED = "connected", "Connected"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        DISCONNECTED = "disconnected", "Disconnected"

    provider = models.CharField(max_length=50, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONNECTED)
    external_account_id = models.CharField(max_length=64, blank=True, default="")
    account_label = models.CharField(max_length=255, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    credentials_encrypted = models.TextField(blank=True, default="")
    credentials_version = models.PositiveIntegerField(default=0)
    sync_checkpoint = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True, default="")
    connected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.provider} ({self.get_status_display()})"

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED

    @property
    def credentials(self) -> dict[str, Any]:
        if not self.credentials_encrypted:
            return {}
        return crypto.decrypt_json(self.credentials_encrypted)

    def update_settings(self, change) -> None:
        """Apply ``change(settings_dict)`` under a row lock, so concurrent saves of other keys
        (another page section, a sync run) are not lost; ``self.settings`` is refreshed."""
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            values = dict(locked.settings or {})
            change(values)
            locked.settings = values
            locked.save(update_fields=["settings", "updated_at"])
        self.settings = values

    def store_result(self, result) -> None:
        """Save a ``ConnectionResult`` (connect or refresh) and mark the connection connected."""
        self.external_account_id = result.external_account_id
        self.account_label = result.account_label
        self.details = {**self.details, **result.details}
        self.credentials_encrypted = crypto.encrypt_json(result.credentials)
        self.credentials_version = F("credentials_version") + 1
        self.status = self.Status.CONNECTED
        self.last_error = ""
        if self.connected_at is None:
            self.connected_at = timezone.now()
        self.save()
        self.refresh_from_db(fields=["credentials_version"])
        self._sync_route()

    def _sync_route(self) -> None:
        """Keep the public route of APP webhooks in step (``host.webhooks.routes``)."""
        from host.webhooks.routes import sync_route

        sync_route(self)

    def mark_needs_attention(self, reason: str) -> None:
        self.status = self.Status.NEEDS_ATTENTION
        self.last_error = reason
        self.save(update_fields=["status", "last_error", "updated_at"])

    def disconnect(self, message: str = "") -> None:
        """Wipe credentials and stop all work; settings are kept for a later reconnect."""
        self.status = self.Status.DISCONNECTED
        self.credentials_encrypted = ""
        self.credentials_version = F("credentials_version") + 1
        self.last_error = message
        self.connected_at = None
        self.save()
        self.refresh_from_db(fields=["credentials_version"])
        self._sync_route()
