"""The HubSpot integration as a pluggy plugin: each hook a thin adapter over a HubSpot module.

The host gives the rest (README "Writing a CRM plugin"): the app-level webhook ingress on the
public host, routed by ``portalId``; the pushback outbox; the scheduled sync; the settings
sections of the configure page; the manual queue.
"""

from __future__ import annotations

from host.contracts import (
    AuthorizationRequest,
    Capability,
    ConnectError,
    ConnectionResult,
    DisconnectResult,
    FieldCheckError,
    FieldSetupResult,
    IntegrationInfo,
    NeedsReconnect,
    PushbackSpec,
    WebhookEvent,
    WebhookInfo,
    WebhookParse,
    WebhookRejected,
    WebhookStyle,
)
from host.hookspecs import hookimpl

from . import conf, fields, oauth

KEY = "hubspot"
DESCRIPTION = "Sync contacts, trigger sequences from won deals, and push scores back."


def record_url(connection, external_id: str) -> str | None:
    """The contact's record page in HubSpot's app."""
    hub_id = connection.external_account_id or (connection.details or {}).get("hub_id", "")
    if not (hub_id and str(external_id).isdigit()):
        return None
    base = conf.settings.HUBSPOT_AUTH_URL.rstrip("/")
    return f"{base}/contacts/{hub_id}/record/0-1/{external_id}"


PUSHBACK = PushbackSpec(
    fields=fields.PUSHBACK_FIELDS, batch_size=100, record_noun="contact", field_noun="property",
    field_nouns="properties", account_noun="account", create_label="Create missing properties",
    validate_target=fields.target_error, record_url=record_url)


def _render_settings(request, connection, status=200, **extra):
    from .views import render_settings

    return render_settings(request, connection, status=status, **extra)


@hookimpl
def platform_integrations():
    return [IntegrationInfo(
        key=KEY, name="HubSpot", description=DESCRIPTION, capabilities=frozenset(Capability),
        configure_url_name="hubspot:settings", required_settings=oauth.REQUIRED_SETTINGS,
        connect_origins=oauth.connect_origins, settings=conf.settings, record_url=record_url,
        webhook=WebhookInfo(
            style=WebhookStyle.APP,
            secret_setting="HUBSPOT_CLIENT_SECRET",  # noqa: S106 - a setting name
            event_name="won deal", record_label="Deal", account_word="account",
            record_id_key="object_id", record_name_key="deal_name"),
        sync_interval_setting="HUBSPOT_SYNC_INTERVAL_MINUTES",
        html_id="hs", render_settings_page=_render_settings,
        connection_facts=(("HubSpot account (hub ID)", "hub_id"), ("Domain", "hub_domain")),
        pushback=PUSHBACK,
    )]


@hookimpl
def platform_urls(scope):
    if scope != "org":
        return []
    from .urls import urlpatterns

    return urlpatterns


# --- connect ---------------------------------------------------------------------------------------


@hookimpl
def connect_begin(connection, state, form):  # no Connect fields of its own: ``form`` is unused
    error = oauth.setup_error()
    if error:
        raise ConnectError(error)
    return AuthorizationRequest(url=oauth.authorization_url(state))


@hookimpl
def connect_complete(connection, params, private_state):
    code = params.get("code")
    if not code:
        raise ConnectError("HubSpot did not send a sign-in code. Click Connect HubSpot to start again.")
    token = oauth.exchange_code(code)
    try:
        result = oauth.connection_result(token)
    except ConnectError:
        oauth.revoke(token.get("refresh_token", ""))  # a grant we will not keep
        raise
    stored = connection.external_account_id
    if stored and stored != result.external_account_id and \
            connection.status != connection.Status.DISCONNECTED:
        oauth.revoke(result.credentials["refresh_token"])
        raise ConnectError(f"You signed in to HubSpot account {result.external_account_id}, but this "
                           f"organization is connected to account {stored}. Disconnect first to "
                           "switch accounts.")
    return result


@hookimpl
def connect_refresh(connection):
    creds = connection.credentials
    if not creds.get("refresh_token"):
        raise NeedsReconnect("No saved HubSpot sign-in; reconnect HubSpot.")
    token = oauth.refresh(creds["refresh_token"])
    hub_id = str(token.get("hub_id") or connection.external_account_id)
    if connection.external_account_id and hub_id != connection.external_account_id:
        raise NeedsReconnect("HubSpot refreshed the sign-in for a different account; reconnect.")
    return ConnectionResult(external_account_id=connection.external_account_id,
                            account_label=connection.account_label,
                            credentials=oauth.credentials_from(token, creds["refresh_token"]),
                            details=connection.details)


@hookimpl
def connect_disconnect(connection):
    token = connection.credentials.get("refresh_token")
    if not token:
        return DisconnectResult(revoked=True)
    revoked, message = oauth.revoke(token)
    return DisconnectResult(revoked=revoked, message=message)


# --- sync and trigger ------------------------------------------------------------------------------


@hookimpl
def sync_contacts(connection, checkpoint):
    from .sync import sync_contacts as pages

    return pages(connection, checkpoint)


@hookimpl
def webhook_verify(request, secret):
    """The v3 signature with the app's client secret over the exact body and URI; 401 for a bad
    one or a request older than 5 minutes."""
    from . import webhooks

    keys = secret.signing_keys
    try:
        webhooks.verify(keys[0].decode() if keys else "", request.method, request.uri,
                        request.body, request.headers)
    except webhooks.WebhookError as exc:
        raise WebhookRejected(exc.message, exc.status, exc.code) from None


@hookimpl
def webhook_parse(request):
    from . import webhooks

    try:
        events = webhooks.parse(request.body)
    except webhooks.WebhookError as exc:
        raise WebhookRejected(exc.message, exc.status, exc.code) from None
    # Events of subscriptions the plugin does not act on are left out; HubSpot still needs its
    # 2xx, or it retries them for a day.
    return WebhookParse(
        events=[WebhookEvent(e.dedupe_key, e.kind, e.payload, account_id=e.portal_id)
                for e in events],
        reply=None if events else (b'{"data": {"received": 0, "new": 0}}', "application/json"))


@hookimpl
def trigger_interpret_event(connection, event):
    from .interpret import interpret_batch

    return interpret_batch(connection, [event])[0]


@hookimpl
def trigger_interpret_events(connection, events):
    from .interpret import interpret_batch

    return interpret_batch(connection, events)


# --- pushback --------------------------------------------------------------------------------------


@hookimpl
def pushback_write(connection, items):
    from .pushback import write

    return write(connection, items)


@hookimpl
def pushback_check_fields(connection, mapping, refresh):
    from . import errors
    from .client import HubSpotClient

    try:
        return fields.test_fields(HubSpotClient(connection), mapping)
    except errors.HubSpotError as exc:
        raise FieldCheckError(f"Test Fields could not read HubSpot: {exc.message}") from None


@hookimpl
def pushback_create_fields(connection, mapping, checks):
    from . import errors
    from .client import HubSpotClient

    try:
        steps, fresh = fields.create_missing(HubSpotClient(connection), mapping, checks)
    except errors.HubSpotError as exc:
        raise FieldCheckError(f"HubSpot refused a step: {exc.message}", checks) from None
    return FieldSetupResult(steps=steps, checks=fresh)
