"""The HubSpot integration as a pluggy plugin: each hook a thin adapter over a HubSpot module."""

from __future__ import annotations

from host import hookspecs
from host.contracts import (
    AuthorizationRequest,
    Capability,
    ConnectError,
    ConnectionResult,
    DisconnectResult,
    IntegrationInfo,
    NeedsReconnect,
)
from host.hookspecs import hookimpl

from . import conf, oauth

KEY = "hubspot"
DESCRIPTION = "Sync contacts, trigger sequences from won deals, and push scores back."


@hookimpl
def platform_integrations():
    return [IntegrationInfo(
        key=KEY, name="HubSpot", description=DESCRIPTION, capabilities=frozenset(Capability),
        configure_url_name="hubspot:settings", required_settings=oauth.REQUIRED_SETTINGS,
        connect_origins=oauth.connect_origins, settings=conf.settings,
    )]


@hookimpl
def platform_urls(scope):
    if scope != "org":
        return []
    from .urls import urlpatterns

    return urlpatterns


@hookimpl
def platform_periodic_tasks():
    from .conf import settings

    return {"hubspot.sync_all": {"task": "hubspot.sync_all",
                                 "schedule": settings.HUBSPOT_SYNC_INTERVAL_MINUTES * 60.0}}


@hookimpl
def connect_begin(connection, state):  # no form fields and no request: valid for either spec
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


@hookimpl
def sync_contacts(connection, checkpoint):
    from .sync import sync_contacts as pages

    return pages(connection, checkpoint)


@hookimpl
def trigger_interpret_event(connection, event):
    from .interpret import interpret_batch

    return interpret_batch(connection, [event])[0]


@hookimpl
def trigger_interpret_events(connection, events):
    from .interpret import interpret_batch

    return interpret_batch(connection, events)


# Today's pushback hooks, declared only while the host has them: the host outbox replaces both
# with ``pushback_write`` (to be wired to ``pushback.write_records``), and pluggy refuses a
# hookimpl without a hookspec at start-up, so the merge must not leave these behind.
if hasattr(hookspecs, "pushback_scores"):
    @hookimpl
    def pushback_scores(connection, scores):
        from .pushback import push

        return push(connection, scores)

if hasattr(hookspecs, "pushback_backlog"):
    @hookimpl
    def pushback_backlog(connection):
        return 0  # scores are written at once; the host outbox owns the backlog
