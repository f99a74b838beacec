"""Value types passed across the plugin hooks (see ``host/hookspecs.py``).

Plain frozen dataclasses: plugins build and read them without importing each other.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


class Capability(enum.StrEnum):
    CONNECT = "connect"
    SYNC = "sync"
    TRIGGER = "trigger"
    PUSHBACK = "pushback"


@dataclass(frozen=True)
class IntegrationInfo:
    """What an integration plugin registers: shown as a card on /settings/integrations."""

    key: str  # stable identifier, e.g. "salesforce"; also the provider of ExternalLink rows
    name: str  # label shown to admins, e.g. "Salesforce"
    description: str
    capabilities: frozenset[Capability]
    configure_url_name: str | None = None  # URL name of the plugin's settings page (org host)
    default_settings: dict[str, Any] = field(default_factory=dict)
    # Platform settings (Django settings names) an admin cannot connect without, e.g. the OAuth
    # client id and secret. The host names the missing ones on the card ("OAuth setup error").
    required_settings: tuple[str, ...] = ()
    # The origins the Connect button's POST is redirected to (the CRM's authorization pages),
    # read on each request (they may depend on settings). The host allows them in the pages'
    # Content-Security-Policy ``form-action``: Chromium checks it on every redirect of a form
    # submission, so with ``'self'`` alone the 302 to the CRM would be blocked.
    connect_origins: Callable[[], Iterable[str]] | None = None
    # How the integration receives scores (with ``Capability.PUSHBACK``): its mappable fields
    # and batch size. The host's outbox, field mapping and pushback log are driven by it.
    pushback: PushbackSpec | None = None


@dataclass(frozen=True)
class NavItem:
    """A link a plugin adds to the org pages' main navigation (``platform_nav_items``).

    ``admin_only``: shown to owners and admins only; set it when the view behind ``url_name``
    is guarded by ``org_admin_required``, so members never see a link that answers 403.
    """

    label: str
    url_name: str  # for ``django.urls.reverse``, without arguments
    admin_only: bool = False


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the admin's browser, plus what the host must keep server-side for the callback."""

    url: str
    private_state: dict[str, Any] = field(default_factory=dict)  # e.g. the PKCE verifier


@dataclass(frozen=True)
class ConnectionResult:
    """A completed (or refreshed) connection. ``credentials`` are stored encrypted by the host."""

    external_account_id: str
    account_label: str
    credentials: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)  # non-secret facts shown to admins


class ConnectError(Exception):
    """A connect step failed for a reason the admin can act on; ``str(exc)`` is shown to them."""


class NeedsReconnect(ConnectError):
    """The CRM rejected our credentials for good (e.g. ``invalid_grant``): the admin must reconnect."""


@dataclass(frozen=True)
class DisconnectResult:
    revoked: bool  # False when the CRM could not be told; the host disconnects locally anyway
    message: str = ""


@dataclass(frozen=True)
class ExternalContact:
    """One CRM contact as a sync page delivers it."""

    external_id: str
    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    title: str = ""
    company: str = ""
    owner: str = ""
    modified_at: datetime | None = None
    deleted: bool = False
    merged_into: str | None = None  # external id of the surviving record after a merge
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactPage:
    """A page of changes; the host persists it, then saves ``checkpoint`` in the same transaction."""

    contacts: list[ExternalContact]
    checkpoint: dict[str, Any]
    total: int | None = None  # records the CRM reported for this run, for the progress bar
    api_calls: int = 1
    note: str = ""  # something the admin should know about the run (kept on the run)


class SyncPaused(Exception):
    """Raised by a sync generator to stop gracefully (API budget); the next run resumes."""

    def __init__(self, reason: str, resume_after: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.resume_after = resume_after


@dataclass(frozen=True)
class TriggerContact:
    """A contact to enroll: an existing one by id, or details matched by normalized email."""

    email: str | None = None
    contact_id: UUID | None = None
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    title: str = ""
    preferred_language: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None
    location_id: UUID | None = None
    contact_organization_id: UUID | None = None


@dataclass(frozen=True)
class TriggerRequest:
    """Start a sequence for some contacts. Every entry point (queue, webhook, API) builds one."""

    sequence_id: UUID
    source: str  # "manual" | "auto" | "api"
    contacts: list[TriggerContact]
    reference: str = ""  # e.g. the Salesforce opportunity id; part of the idempotency key
    idempotency_key: str = ""  # client-supplied key (API Idempotency-Key header)
    provider: str = ""  # the integration behind the trigger, if any (e.g. "salesforce")


@dataclass(frozen=True)
class SequenceChoice:
    """A sequence a trigger can start (for pickers in the queue and settings pages)."""

    id: UUID
    name: str
    status: str


@dataclass(frozen=True)
class EnrollmentOutcome:
    email: str | None
    contact_id: UUID | None
    status: str  # "queued" | "skipped"
    reason: str = ""  # machine-readable when skipped: "unsubscribed", "cooldown", ...
    sending_id: UUID | None = None


@dataclass(frozen=True)
class EnrollmentResult:
    sequence_id: UUID
    sequence_name: str
    outcomes: list[EnrollmentOutcome]

    @property
    def sendings_created(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "queued")


class EnrollmentError(Exception):
    """The whole request is refused (unknown or inactive sequence); nothing was written."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TriggerDecision:
    """How a plugin reads one stored inbound event: a trigger to run, or why it is ignored."""

    request: TriggerRequest | None = None
    ignored_reason: str = ""


@dataclass(frozen=True)
class ScoreUpdate:
    """A recorded survey score, addressed to one CRM record."""

    response_id: UUID
    contact_id: UUID
    external_id: str  # the contact's record id in this integration's CRM
    kind: str  # "nps" | "csat"
    score: int
    answered_at: datetime


# --- Pushback (``pushback_*`` hooks; the outbox is ``host.pushback``) ------------------------------


@dataclass(frozen=True)
class PushbackField:
    """A CRM field (property) an integration writes scores to, mappable by the org's admin.

    ``key`` names the field in the org's mapping (``connection.settings["field_mapping"]``), e.g.
    ``"nps_field"``; ``default_target`` is the CRM field used until the admin maps another
    (``""``: not written by default); ``scores`` the score kind it carries (``"nps"`` |
    ``"csat"``), ``""`` for the survey date, which every written score moves forward.
    """

    key: str
    label: str  # e.g. "NPS score field"
    default_target: str
    type: str  # "number" | "date"
    scores: str = ""
    help_text: str = ""
    # Mapping key under which the host keeps the CRM type Test Fields found (e.g. "date_type"),
    # so a write can format the value for it; "" keeps none.
    type_key: str = ""


@dataclass(frozen=True)
class PushbackSpec:
    """How an integration receives scores (``IntegrationInfo.pushback``).

    The words fill the host's field mapping and pushback log sections, e.g. Salesforce: "Contact",
    "field", "org"; HubSpot: "contact", "property", "account".
    """

    fields: tuple[PushbackField, ...]
    batch_size: int = 100  # distinct CRM records per ``pushback_write`` call
    record_noun: str = "contact"
    field_noun: str = "field"
    field_nouns: str = "fields"  # the plural, e.g. "properties"
    account_noun: str = "account"
    create_label: str = ""  # the *Create missing ...* button; "" when the plugin cannot create
    target_max_length: int = 100
    # The admin typed a target name: an error message when it cannot be one (form error), or "".
    validate_target: Callable[[str], str] | None = None
    # A link to the record in the CRM for the pushback log: ``(connection, external_id) -> url``.
    record_url: Callable[[Any, str], str] | None = None

    def field(self, key: str) -> PushbackField:
        return next(f for f in self.fields if f.key == key)


@dataclass(frozen=True)
class PushbackWrite:
    """One queued score to write now (``pushback_write``), already checked by the host: it is
    the newest score of its record and kind, and ``values`` holds what to write.

    ``values`` maps each mapped target to its value: the score (an int) under the score's field,
    and the answer's time (an aware ``datetime``; the plugin formats it for the target's type)
    under the survey-date field when no newer score of the record was written before.
    """

    item_id: int
    response_id: UUID
    contact_id: UUID
    external_id: str
    kind: str  # "nps" | "csat"
    score: int
    answered_at: datetime
    values: dict[str, Any]
    attempts: int = 0  # earlier attempts that failed and were retried


@dataclass(frozen=True)
class PushbackResult:
    """What happened to one ``PushbackWrite`` (``pushback_write`` returns one per item).

    ``status``:

    - ``"written"``: in the CRM; ``fields`` is what was written (shown in the pushback log).
    - ``"failed"``: ``retryable=True`` → the host retries with backoff and jitter (and fails the
      item after ``host.pushback.MAX_ATTEMPTS``); ``retryable=False`` → failed until the admin
      clicks *Retry failed*; ``error`` should say how to fix it.
    - ``"rate_limited"``: the CRM refused for its rate limit: the host defers this item and the
      rest of the integration's queue by ``retry_after`` seconds (backoff when ``None``) and
      stops the run; no attempt is counted.
    - ``"skipped"``: nothing to write, for good (e.g. the record was deleted); ``error`` says why.
    """

    response_id: UUID
    status: str
    error: str = ""
    error_code: str = ""  # the CRM's code, shown in the log
    fields: dict[str, Any] = field(default_factory=dict)
    retryable: bool = False
    retry_after: float | None = None


@dataclass(frozen=True)
class FieldCheck:
    """Test Fields' verdict on one mapped target (``pushback_check_fields``); ``None`` means
    "not checked" (e.g. the field is missing)."""

    key: str  # the ``PushbackField.key``
    label: str
    target: str  # the CRM's exact name when found, else as typed
    exists: bool
    type_ok: bool | None = None
    writable: bool | None = None  # by the connected user
    target_type: str = ""  # the CRM's type name, e.g. "double", "date", "number"
    problem: str = ""  # e.g. "does not exist on Contact"; shown after the name
    remedy: str = ""
    fixable: bool = False  # ``pushback_create_fields`` can fix it

    @property
    def ok(self) -> bool:
        return bool(self.exists and self.type_ok and self.writable)


@dataclass(frozen=True)
class FieldSetupStep:
    """One step of *Create missing fields*, in the admin's words."""

    text: str
    ok: bool = True
    remedy: str = ""


@dataclass(frozen=True)
class FieldSetupResult:
    steps: list[FieldSetupStep]
    checks: list[FieldCheck]  # Test Fields again, after the steps


class FieldCheckError(Exception):
    """Test Fields (or a setup step) could not run; ``str(exc)`` is shown to the admin."""

    def __init__(self, message: str, checks: list[FieldCheck] | None = None):
        super().__init__(message)
        self.checks = checks
