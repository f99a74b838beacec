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


class WebhookStyle(enum.StrEnum):
    """Where an integration's CRM sends its webhooks (``WebhookInfo.style``)."""

    PER_ORG = "per_org"  # one URL per organization, on the org's own host (Salesforce)
    APP = "app"  # one URL for every customer account, on the public host (HubSpot)


@dataclass(frozen=True)
class WebhookInfo:
    """An integration's inbound webhook, served by the host at
    ``POST /api/v1/integrations/<key>/webhook`` (see ``webhook_verify`` / ``webhook_parse``).

    Settings are named, not read, here: the host reads them on each request.
    """

    style: WebhookStyle = WebhookStyle.PER_ORG
    # Django setting with the largest body accepted (413 above); without one, ``max_bytes``.
    max_bytes_setting: str = ""
    max_bytes: int = 1_000_000
    # PER_ORG: the platform-wide fallback secret (each org may set its own, which excludes it).
    # APP: the app's secret the CRM signs with (e.g. the OAuth client secret).
    secret_setting: str = ""
    # PER_ORG: the header of the plugin's signed format; set, the settings section offers
    # *Require signed JSON* (``WebhookSecret.signature_required``).
    signature_header: str = ""
    # Words of the host's sections: "Closed Won" (events), "Opportunity" (the log's record
    # column), "org" (what the CRM calls an account).
    event_name: str = ""
    record_label: str = "Record"
    account_word: str = "account"
    # Payload keys the event log shows (the record's id and name).
    record_id_key: str = "record_id"
    record_name_key: str = "name"
    # Whether two account ids name the same CRM account (default: equal strings); PER_ORG
    # events from another account than the connected one are refused with 403.
    same_account: Callable[[str, str], bool] | None = None
    # PER_ORG: a plugin template extending ``host/sections/webhook.html`` that fills its blocks
    # (``signing_status``, ``new_secret_extra``, ``help``) with the CRM's own words and setup
    # steps; "" uses the host's as is.
    section_template: str = ""


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
    # Where ``required_settings`` are read: the plugin's own settings module
    # (``host.plugin_settings.PluginSettings``); Django's settings when ``None``.
    settings: Any = None
    # The origins the Connect button's POST is redirected to (the CRM's authorization pages),
    # read on each request (they may depend on settings). The host allows them in the pages'
    # Content-Security-Policy ``form-action``: Chromium checks it on every redirect of a form
    # submission, so with ``'self'`` alone the 302 to the CRM would be blocked.
    connect_origins: Callable[[], Iterable[str]] | None = None
    # The address of a contact's record in the CRM's own pages, from the org's connection and
    # the record's external id (``ExternalLink.external_id``); ``None`` when it cannot be built.
    # The host's pages link to it (``host.records.record_links``), e.g. from the latest answers.
    record_url: Callable[[Any, str], str | None] | None = None
    # Inbound webhooks served by the host (``None``: the CRM sends none).
    webhook: WebhookInfo | None = None
    # Scheduled sync (SYNC capability): every ``sync_interval_setting`` minutes (a Django
    # setting, read at each fan-out), else every ``sync_interval_minutes``.
    sync_interval_setting: str = ""
    sync_interval_minutes: int = 15
    # Prefix of the element ids in the host's sections on the plugin's page ("" = the key).
    html_id: str = ""
    # Renders the plugin's configure page with extra context, for the host's section actions
    # that answer with the page (a form error, a secret shown once):
    # ``(request, connection, status=200, **extra) -> HttpResponse``. ``None``: they redirect.
    render_settings_page: Callable[..., Any] | None = None
    # The plugin's own fields of the Connect form on its configure page (host connection
    # section): called with the connection, returns an unbound Django form with its initial
    # values; what the admin posts reaches ``connect_begin(form=...)``. ``None``: no fields.
    connect_form: Callable[[Any], Any] | None = None
    # Facts of a connection to show under "Connected as <account_label>": (label, key of
    # ``ConnectionResult.details``) pairs, e.g. ``(("Instance", "instance_url"),)``.
    connection_facts: tuple[tuple[str, str], ...] = ()
    # How the integration receives scores (with ``Capability.PUSHBACK``): its mappable fields
    # and batch size. The host's outbox, field mapping and pushback log are driven by it.
    pushback: PushbackSpec | None = None


@dataclass(frozen=True)
class HomePanel:
    """A section a plugin adds to the org home (``platform_home_panels``): a template of the
    plugin's, rendered with ``context`` and the request by the host, in plugin order."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


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


# --- Webhooks (``webhook_verify`` / ``webhook_parse``) ---------------------------------------


class WebhookBodyTooLarge(Exception):
    """Raised by ``WebhookRequest.body`` when the body is over the integration's limit (413)."""


class WebhookRequest:
    """An inbound webhook request as the CRM sent (and signed) it.

    ``headers`` is case-insensitive; ``uri`` the full URI the CRM posted to (scheme, host, path,
    query) as the public sees it; ``body`` the exact raw bytes, read on first access and never
    beyond the limit (``WebhookBodyTooLarge``), so a check that needs no body (a secret in a
    header) refuses a huge one without reading it.
    """

    def __init__(self, *, method: str, uri: str, headers, query: dict[str, str],
                 content_type: str, read_body: Callable[[], bytes]):
        self.method, self.uri, self.headers, self.query = method, uri, headers, query
        self.content_type = content_type  # lower-case, without parameters
        self._read_body = read_body
        self._body: bytes | None = None

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self._read_body()
        return self._body


class WebhookSecret:
    """The secret(s) the host resolved for a webhook, compared in constant time. Never log it.

    ``source``: "org" (the org's own secret, and the previous one during its rotation grace
    period), "global" (PER_ORG: the integration's fallback setting, only while the org is
    connected and has no secret of its own), "app" (APP: the app's secret) or "none" (nothing
    matches). ``signing_keys``: the secrets usable as HMAC keys for signed requests (the org's
    own or the app's; an org secret kept only as a hash has none, the global fallback never).
    """

    def __init__(self, source: str, *, plain: tuple[bytes, ...] = (),
                 digests: tuple[str, ...] = (),
                 signing_keys: tuple[bytes, ...] | Callable[[], tuple[bytes, ...]] = (),
                 signature_required: bool = False):
        self.source = source
        self._plain = plain
        self._digests = digests  # SHA-256 hex of secrets compared by hash
        self._signing_keys = signing_keys  # or how to get them (decrypted only when asked)
        self.signature_required = signature_required

    @property
    def signing_keys(self) -> tuple[bytes, ...]:
        if callable(self._signing_keys):
            self._signing_keys = tuple(self._signing_keys())
        return self._signing_keys

    def matches(self, provided: bytes | None) -> bool:
        """``provided`` is a secret in effect (every candidate compared, no early exit)."""
        import hashlib
        import hmac

        if not provided or self.source == "none":
            return False
        digest = hashlib.sha256(provided).hexdigest()
        results = [hmac.compare_digest(provided, key) for key in self._plain]
        results += [hmac.compare_digest(digest, d) for d in self._digests]
        return any(results)

    def __repr__(self) -> str:  # never the secret itself
        return f"WebhookSecret(source={self.source!r})"


class WebhookRejected(Exception):
    """Raised by ``webhook_verify`` (401 by default) or ``webhook_parse`` (400, or 415 for a
    content type it does not read); the host answers ``{"error": {code, message, details}}``
    and stores nothing."""

    def __init__(self, message: str, status: int = 401, code: str = "INVALID_WEBHOOK_SECRET",
                 details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message, self.status, self.code, self.details = message, status, code, details or {}


@dataclass(frozen=True)
class WebhookEvent:
    """One event of a webhook request, stored by the host as an ``InboundEvent``.

    ``dedupe_key``: the same event delivered again (a retry) has the same key and is stored
    once. ``account_id``: the CRM account it belongs to; required for APP webhooks (it routes
    the event to its organization), checked against the connected account for PER_ORG ones.
    """

    dedupe_key: str
    kind: str
    payload: dict[str, Any]
    account_id: str = ""


@dataclass(frozen=True)
class WebhookParse:
    """What ``webhook_parse`` read: the events, and how to answer the CRM.

    ``reply`` (optional): ``(body, content_type)`` the CRM expects, e.g. Salesforce's SOAP Ack,
    sent with 200 whatever happened to the events. Without it the host answers
    ``{"data": {"eventId", "status", "duplicate"}}`` (202, or 200 for a duplicate) for a single
    event and ``{"data": {"received", "new"}}`` (200) for several.
    """

    events: list[WebhookEvent]
    reply: tuple[bytes | str, str] | None = None
