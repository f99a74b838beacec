"""Organizations (tenants), their domains and their members, in the public schema."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.functional import cached_property
from django_tenants.models import DomainMixin, TenantMixin


class Organization(TenantMixin):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # Integrations platform staff switched off for this org; the host never calls their hooks.
    disabled_integrations = ArrayField(models.CharField(max_length=50), default=list, blank=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def primary_host(self) -> str:
        """The primary domain's name, looked up once per instance (a request's or a task's
        organization): every survey link of an email needs it."""
        return self.get_primary_domain().domain


class Domain(DomainMixin):
    pass


class Membership(models.Model):
    """A user's access to one organization. Users are shared; access is per organization."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class OAuthState(models.Model):
    """A pending authorization: the ``state`` of one Connect click, single use and short-lived.

    Lives in the public schema because the CRM calls back the platform's one callback URL on the
    public host, which must find the organization from the state alone. Only a hash of the state
    is stored; the plugin's private state (e.g. the PKCE verifier) is encrypted.
    """

    state_hash = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    provider = models.CharField(max_length=50)
    session_hash = models.CharField(max_length=64)
    user_id = models.BigIntegerField()
    private_state_encrypted = models.TextField()
    # The org-host page the admin started from (the Integrations card or the configure page),
    # where the callback lands them again. Always a path chosen by the host, never a full URL.
    return_to = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.provider} authorization for {self.organization_id}"


class ConnectedAccount(models.Model):
    """Which organization an integration's CRM account is connected to, for APP webhooks.

    A CRM like HubSpot sends one webhook URL the events of every customer account, named by the
    account's id (``portalId``); this public table routes them without scanning org schemas. The
    host keeps it in step in one place (``host.webhooks.routes``, called when a connection is
    stored or disconnected); a row exists only while the connection is connected or needs
    attention. One account routes to one organization.
    """

    integration = models.CharField(max_length=50)
    external_account_id = models.CharField(max_length=64)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="connected_accounts")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_account_id"],
                                    name="connected_account_unique"),
            models.UniqueConstraint(fields=["integration", "organization"],
                                    name="connected_account_one_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.integration} {self.external_account_id} → {self.organization_id}"


class UnroutedWebhookEvent(models.Model):
    """An APP webhook event for an account no organization is connected to (never connected,
    disconnected, or another platform's): answered as the CRM expects, kept here for platform
    staff, never enrolled. A retry of the same event counts up ``times_received``."""

    integration = models.CharField(max_length=50)
    external_account_id = models.CharField(max_length=64)
    dedupe_key = models.CharField(max_length=255)
    kind = models.CharField(max_length=50)
    reason = models.CharField(max_length=100, default="unknown account")
    payload = models.JSONField(default=dict)
    times_received = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True)
    last_received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_received_at"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "dedupe_key"],
                                    name="unrouted_event_dedupe_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.integration} event for unknown account {self.external_account_id}"
