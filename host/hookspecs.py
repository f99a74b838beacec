"""The plugin API: every hook the host calls, in the four phases connect, sync, trigger, pushback.

Plugins implement hooks with ``@hookimpl`` (exported here) in their ``plugin`` module. The host
only calls an integration's hooks for organizations that have that integration enabled, and it
calls *that integration's* implementation alone, so a plugin never needs to check which
integration a call is meant for. The host calls hooks through the typed facade
``host.hooks`` (one method per hook), never by name.

Conventions:

- Every hook runs inside the organization's schema (web request or Celery task), so ORM queries
  are already scoped to one organization. Hooks never switch schema.
- ``connection`` is the org's ``host.models.IntegrationConnection`` for the plugin's integration:
  ``connection.credentials`` reads the decrypted credentials, ``connection.settings`` the plugin's
  per-org settings.
- Hooks marked *firstresult* return one value (the first non-``None``); the others return the
  list of every implementation's value.
- A hook with an unknown name in a plugin is rejected at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.urls import URLPattern, URLResolver

    from host.contracts import (
        AuthorizationRequest,
        ConnectionResult,
        ContactPage,
        DisconnectResult,
        EnrollmentResult,
        FieldCheck,
        FieldSetupResult,
        HomePanel,
        IntegrationInfo,
        NavItem,
        PushbackResult,
        PushbackWrite,
        SequenceChoice,
        TriggerDecision,
        TriggerRequest,
        WebhookParse,
        WebhookRequest,
        WebhookSecret,
    )
    from host.models import InboundEvent, IntegrationConnection

PROJECT = "demeterrr"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- Registration --------------------------------------------------------------------------------


@hookspec
def platform_integrations() -> list[IntegrationInfo]:
    """Declare the integrations this plugin provides.

    Called by: the host, once at start-up (``host.integrations.registry``).
    Returns: a list of ``IntegrationInfo`` (key, name, capabilities, configure page, default
    settings); an empty list for plugins that are not integrations (e.g. the sequences runtime).
    Not firstresult: every plugin's lists are merged; a key declared twice stops start-up.
    """


@hookspec
def platform_urls(scope: str) -> list[URLPattern | URLResolver]:
    """Contribute URL patterns to the org hosts (``scope="org"``) or the public host (``"public"``).

    Called by: ``host.urls_org`` / ``host.urls_public`` when Django loads the URLconf.
    Returns: a list of ``path()``/``include()`` entries (may be empty). Not firstresult.
    On org hosts the host guards every view of a plugin that declares integrations: when the
    organization has none of them enabled the view is not called and the request gets 404 (the
    JSON envelope under ``/api/``), so views need no ``is_enabled`` check of their own.
    Views must check ``request.tenant`` themselves when they serve the public host.
    """


@hookspec
def platform_api_urls() -> list[URLPattern | URLResolver]:
    """Contribute REST API v1 endpoints, mounted under ``/api/v1/`` on every host.

    Called by: ``api.urls`` when Django loads the URLconf; they come before the API's JSON 404
    for unknown paths and appear in the OpenAPI schema. Build views on the API framework
    (``api.views.base``: keys, scopes, errors, paging, schema). Returns: a list of ``path()``
    entries (may be empty). Not firstresult: lists are concatenated in plugin order.
    """


@hookspec
def platform_periodic_tasks() -> dict[str, dict[str, Any]]:
    """Contribute Celery beat entries.

    Called by: ``host.celery_app`` at start-up. Periodic tasks run in the public schema and fan
    out per organization with ``host.tasking.for_each_org``; pass it ``due=`` (a queryset of the
    org's due work) so only orgs with work get a task. Route long tasks to their own queue with
    ``CELERY_TASK_ROUTES`` (README "Queues and workers"); unrouted ones run on ``default``.
    Returns: ``{name: {"task": "dotted.task.name", "schedule": seconds}}``. Not firstresult:
    every plugin's dicts are merged.
    """


@hookspec
def platform_expired_rows(cutoffs: dict[str, Any]) -> list[Any]:
    """This plugin's rows past their retention age (README "Retention"), to be deleted.

    Called by: ``host.retention.purge_org`` inside one organization's schema, from the daily
    purge. ``cutoffs`` maps a kind (``host.retention.KINDS``: "sending_events",
    "pushback_items"...) to the datetime before which its rows go; a kind the operator keeps
    forever is absent. Returns: querysets (deleted in short batches by the host), only of rows
    nothing still needs. Not firstresult: every plugin's lists are concatenated.
    """


@hookspec
def platform_seed_demo(org: Any) -> str | None:
    """Create this plugin's demo data in the demo organization (``make run``).

    Called by: ``manage.py seed_demo`` inside the demo org's schema, on every start, so it must
    be idempotent. Returns: a line to print for the newcomer, or ``None``. Not firstresult.
    """


@hookspec
def platform_nav_items() -> list[NavItem]:
    """Contribute links to the org pages' main navigation.

    Called by: the host's template context processor on every org page.
    Returns: ``[NavItem(label, url_name, admin_only=False), ...]``; ``url_name`` is reversed
    without arguments. Mark ``admin_only`` the links whose view is ``org_admin_required``: the
    host hides them from members (a plain ``(label, url_name)`` tuple is read as a NavItem for
    every member). The host marks the link of the current page with ``aria-current``. Not
    firstresult: lists are concatenated in plugin order.
    """


@hookspec
def platform_home_panels(request: HttpRequest) -> list[HomePanel]:
    """Contribute sections to the org home page (e.g. the sequences runtime's results).

    Called by: the host's home view, in a web request inside the org's schema, for a signed-in
    member of the org (``request.org_role`` says which role). The panel reads its own query
    parameters from ``request.GET`` (e.g. a period) and must keep its query count constant.
    Returns: ``[HomePanel(template, context), ...]`` (may be empty); the host renders each
    template with its context and the request, above its own summary. Not firstresult: lists are
    concatenated in plugin order.
    """


# --- Connect ---------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def connect_begin(
    connection: IntegrationConnection, state: str, form: Mapping[str, str]
) -> AuthorizationRequest:
    """Start authorizing the org's account at the CRM.

    Called by: the host's connect view when an admin clicks *Connect* (or *Reconnect*), in a web
    request. ``state`` is the host's unguessable, single-use value, already bound to the admin's
    session and organization; the plugin must send it to the CRM unchanged. ``form`` is the
    posted Connect form (a ``QueryDict``): the plugin's own extra fields
    (``IntegrationInfo.connect_form``) when it declares some, else nothing of interest; it is
    empty-ish for *Reconnect*, which posts no extra fields.
    Returns: ``AuthorizationRequest(url, private_state)``. The host redirects the browser to
    ``url`` and keeps ``private_state`` (e.g. a PKCE verifier) server-side, encrypted, until the
    callback. Raise ``ConnectError`` with a message for the admin (e.g. missing client id).
    """


@hookspec(firstresult=True)
def connect_complete(
    connection: IntegrationConnection, params: dict[str, str], private_state: dict[str, Any]
) -> ConnectionResult:
    """Finish authorization after the CRM redirected back to the platform's one callback URL.

    Called by: the host's callback view, only after it validated ``state`` (so never for a
    forged, expired or replayed callback) and only when the CRM did not return an ``error``.
    ``params`` are the callback's query parameters; ``private_state`` what ``connect_begin``
    returned. Returns: ``ConnectionResult``; the host stores it and marks the connection
    *Connected*. Raise ``ConnectError`` to show the admin why it failed; nothing is stored then.
    """


@hookspec(firstresult=True)
def connect_refresh(connection: IntegrationConnection) -> ConnectionResult:
    """Obtain fresh credentials (e.g. an OAuth refresh).

    Called by: ``host.integrations.refresh_credentials`` holding a row lock on the connection,
    after re-reading it, so concurrent callers cause one refresh. Returns: ``ConnectionResult``
    with the new credentials (the host saves them atomically). Raise ``NeedsReconnect`` when the
    CRM refuses for good: the host marks the connection *Needs attention* and pauses its work.
    """


@hookspec(firstresult=True)
def connect_disconnect(connection: IntegrationConnection) -> DisconnectResult:
    """Tell the CRM the platform lets go of the account (e.g. revoke the token).

    Called by: the host's disconnect view before it wipes the credentials.
    Returns: ``DisconnectResult``; on network errors ``DisconnectResult(revoked=False,
    message=...)`` rather than raising. The host disconnects locally either way and shows the
    message.
    """


# --- Sync --------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def sync_contacts(
    connection: IntegrationConnection, checkpoint: dict[str, Any]
) -> Iterator[ContactPage]:
    """Fetch contacts changed since ``checkpoint``, page by page.

    Called by: ``host.sync.run_sync`` in a Celery task. ``checkpoint`` is what the last
    persisted page returned (``{}`` for a first, full sync).
    Returns: an iterator of ``ContactPage``. The host persists each page in bulk (upsert by
    external id, then by normalized email; deletions unlink; merges follow the survivor) and
    saves ``page.checkpoint`` in the same transaction, so a crash resumes after the last page.
    Raise ``SyncPaused`` to stop gracefully (API budget); any other exception fails the run.
    """


# --- Trigger ---------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def trigger_interpret_event(
    connection: IntegrationConnection, event: InboundEvent
) -> TriggerDecision:
    """Decide what a stored inbound event (webhook) means.

    Called by: ``host.events`` in a Celery task (``process_new`` after a webhook, or
    ``process_event`` for a retry or a replay), after the event was stored and acknowledged,
    once per event (duplicates were dropped by its dedupe key).
    Returns: ``TriggerDecision(request=TriggerRequest)`` to enroll contacts, or
    ``TriggerDecision(ignored_reason="...")``; the host records the outcome on the event.
    """


@hookspec(firstresult=True)
def trigger_interpret_events(
    connection: IntegrationConnection, events: list[InboundEvent]
) -> list[TriggerDecision] | None:
    """Decide what several stored inbound events of one organization mean, in one go.

    Called by: ``host.events`` in a Celery task, with never-attempted pending events of one
    integration, oldest first (``process_new``, woken by a webhook), or with one event being
    retried or replayed plus such events (``process_event``); at most
    ``host.events.BATCH_SIZE``, rows locked. So a plugin that checks events against its CRM
    (e.g. re-reads the opportunities) can do it in one request per batch.
    Returns: one ``TriggerDecision`` per event, in the same order. Optional: a plugin that does
    not implement it gets ``trigger_interpret_event`` once per event. Raising leaves every event
    of the batch pending for a retry, each on its own.
    """


@hookspec(firstresult=True)
def trigger_enroll(request: TriggerRequest) -> EnrollmentResult:
    """Enroll contacts into a sequence: the one enrollment path of the runtime.

    Called by: ``host.trigger.enroll`` for every entry point (manual queue, webhooks, REST
    execute), inside a savepoint of the host's: the runtime needs no transaction of its own.
    Implemented by the sequences runtime.
    Returns: ``EnrollmentResult`` with one outcome per contact (``queued`` or ``skipped`` with a
    machine-readable reason). Raise ``EnrollmentError`` to refuse the whole request (unknown,
    inactive or empty sequence); nothing is written then. Idempotent per contact + sequence +
    source reference.
    """


@hookspec(firstresult=True)
def trigger_list_sequences(active_only: bool) -> list[SequenceChoice]:
    """List the sequences a trigger can start, for pickers (manual queue, integration settings).

    Called by: host pages in a web request, inside the org's schema. Implemented by the runtime.
    Returns: ``SequenceChoice`` items ordered by name; only active ones when ``active_only``.
    """


# --- Webhooks (ingress owned by the host; see README "Webhooks") ---------------------------------


@hookspec(firstresult=True)
def webhook_verify(request: WebhookRequest, secret: WebhookSecret) -> None:
    """Check that a webhook request really comes from the CRM: its secret or its signature.

    Called by: the host's webhook view (``host.webhooks.ingress``) for an integration whose
    ``IntegrationInfo.webhook`` is set, before anything is stored, after the host checked the
    host name (org host for PER_ORG, public host for APP), the method and the org's enablement.
    PER_ORG runs inside the org's schema (e.g. a replay cache may be keyed on it); APP runs in
    the public schema, before routing. ``request`` carries the exact raw body (read lazily, so
    a check of a header-borne secret never reads a huge body), the headers, the method and the
    full URI as the CRM signed it. ``secret`` is what the host resolved (the org's own secret
    or the integration's global fallback, or the app's secret): compare with
    ``secret.matches(provided)`` or sign with ``secret.signing_keys``.
    Returns: ``None`` when authentic. Raise ``WebhookRejected`` (401 by default, with a code and
    a message for the sender) otherwise; the host answers it and stores nothing.
    """


@hookspec(firstresult=True)
def webhook_parse(request: WebhookRequest) -> WebhookParse:
    """Read a verified webhook request into events.

    Called by: the host's webhook view right after ``webhook_verify`` accepted the request.
    Returns: ``WebhookParse(events=[WebhookEvent(dedupe_key, kind, payload, account_id)],
    reply=...)``; ``reply`` is the body the CRM expects as acknowledgement (e.g. a SOAP Ack).
    For APP webhooks every event needs ``account_id`` (the host routes it through its public
    table of connected accounts; an event for an unknown or disconnected account is answered
    as usual, recorded for platform staff and enrolls nothing). Raise ``WebhookRejected``
    (status 400, or 415 for an unsupported content type) for a body it cannot read; parse
    defensively (size, depth, types): the sender is untrusted until the plugin's
    ``trigger_interpret_events`` re-reads the facts from the CRM.
    """


# --- Pushback --------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def pushback_write(
    connection: IntegrationConnection, items: list[PushbackWrite]
) -> list[PushbackResult]:
    """Write this batch of scores to the CRM now, and say what happened to each.

    Called by: the host's outbox (``host.pushback.push_queued``) in a Celery task, under its
    one-writer-per-org-and-integration lock, only while the connection is connected. Scores
    recorded for contacts linked to this CRM are queued by the host (``host.scores``), which
    batches them (``items`` hold at most ``PushbackSpec.batch_size`` distinct records, several
    items may share a record: merge them into one update per record), keeps the newest score per
    record and kind (an older one arriving late is skipped), resolves the org's field mapping
    into ``PushbackWrite.values`` and skips scores with nothing mapped.
    Returns: one ``PushbackResult`` per item, in any order (matched by ``response_id``):
    ``written`` (with ``fields``), ``failed`` (``retryable`` or not), ``rate_limited``
    (``retry_after``) or ``skipped``. Raise ``NeedsReconnect`` when the CRM refuses the
    credentials for good: the host keeps the batch queued until a reconnect. Any other exception
    counts as a retryable failure of the whole batch.
    """


@hookspec(firstresult=True)
def pushback_check_fields(
    connection: IntegrationConnection, mapping: dict[str, str], refresh: bool
) -> list[FieldCheck]:
    """*Test Fields*: check the mapped targets in the CRM (exist, type fits, writable).

    Called by: the host's field mapping section (``host.sections.field_mapping``) in a web
    request, for Test Fields (``refresh=True``: read the CRM's schema afresh) and before saving
    a mapping (``refresh=False``: a briefly cached schema is fine), only while connected.
    ``mapping`` holds every ``PushbackField.key`` with the admin's target, ``""`` = not written.
    Returns: one ``FieldCheck`` per non-blank target, with the remedy in the admin's words and
    ``fixable`` set where ``pushback_create_fields`` can help. Raise ``FieldCheckError`` with a
    message when the check cannot run (the CRM is unavailable), ``NeedsReconnect`` when the
    credentials are refused.
    """


@hookspec(firstresult=True)
def pushback_create_fields(
    connection: IntegrationConnection, mapping: dict[str, str], checks: list[FieldCheck]
) -> FieldSetupResult:
    """*Create missing fields* (optional): create or grant access to the targets Test Fields
    found ``fixable``, then check again.

    Called by: the host's field mapping section when the admin clicks the button, which it shows
    only for a plugin implementing this hook with ``PushbackSpec.create_label`` set, when a check
    is ``fixable``. Must be safe to run again. Returns: ``FieldSetupResult(steps, checks)``: each
    step in the admin's words (a refused one with its remedy), and the fresh checks. Raise
    ``FieldCheckError`` (with the checks so far) when the CRM refuses in a way no step reports.
    """
