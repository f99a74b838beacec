"""The Salesforce integration as a pluggy plugin: registration, pages, and the connect hooks."""

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
    WebhookInfo,
    WebhookStyle,
)
from host.hookspecs import hookimpl

from . import conf, field_check, ids, login_hosts, oauth, pushback

KEY = "salesforce"
DESCRIPTION = ("Sync contacts, trigger sequences from Closed Won opportunities, "
               "and push scores back.")


def _record_url(connection, external_id: str) -> str:
    instance_url = (connection.details or {}).get("instance_url", "")
    return f"{instance_url}/{external_id}" if instance_url else ""


PUSHBACK = PushbackSpec(
    fields=field_check.PUSHBACK_FIELDS, batch_size=pushback.BATCH_SIZE, record_noun="Contact",
    field_noun="field", account_noun="org", create_label="Create missing fields",
    target_max_length=field_check.MAX_NAME, validate_target=field_check.target_error,
    record_url=_record_url)


@hookimpl
def platform_integrations():
    return [
        IntegrationInfo(
            key=KEY,
            name="Salesforce",
            description=DESCRIPTION,
            capabilities=frozenset(Capability),
            configure_url_name="salesforce:settings",
            required_settings=oauth.REQUIRED_SETTINGS,
            settings=conf.settings,
            connect_form=_login_host_form,
            connection_facts=(("Instance", "instance_url"), ("Sign-in host", "login_url")),
            connect_origins=login_hosts.connect_origins,
            record_url=record_url,
            webhook=WebhookInfo(
                style=WebhookStyle.PER_ORG,
                max_bytes_setting="SALESFORCE_WEBHOOK_MAX_BYTES",
                secret_setting="SALESFORCE_WEBHOOK_SECRET",  # noqa: S106 - a setting name
                signature_header="x-salesforce-signature",
                event_name="Closed Won", record_label="Opportunity", account_word="org",
                record_id_key="opportunity_id", record_name_key="name",
                same_account=ids.same,
                section_template="salesforce/sections/webhook.html",
            ),
            sync_interval_setting="SALESFORCE_SYNC_INTERVAL_MINUTES",
            html_id="sf",
            render_settings_page=_render_settings,
            pushback=PUSHBACK,
        )
    ]


def record_url(connection, external_id: str) -> str | None:
    """The contact's Lightning record page on the org's own instance."""
    contact_id = ids.canonical(external_id)
    instance = (connection.details or {}).get("instance_url", "")
    try:
        instance = login_hosts.check_url(instance, "instance URL")
    except login_hosts.LoginHostError:
        return None
    return f"{instance}/lightning/r/Contact/{contact_id}/view" if contact_id else None
def _render_settings(request, connection, status=200, **extra):
    from .views import render_settings

    return render_settings(request, connection, status=status, **extra)


@hookimpl
def platform_urls(scope):
    if scope != "org":
        return []
    from .urls import urlpatterns

    return urlpatterns


@hookimpl
def sync_contacts(connection, checkpoint):
    from .sync import sync_contacts as pages

    return pages(connection, checkpoint)


@hookimpl
def webhook_verify(request, secret):
    from .webhooks.ingress import verify

    verify(request, secret)


@hookimpl
def webhook_parse(request):
    from .webhooks.ingress import parse

    return parse(request)


@hookimpl
def trigger_interpret_event(connection, event):
    from .webhooks.interpret import interpret

    return interpret(connection, event)


@hookimpl
def trigger_interpret_events(connection, events):
    from .webhooks.interpret import interpret_batch

    return interpret_batch(connection, events)


@hookimpl
def pushback_write(connection, items):
    return pushback.write(connection, items)


@hookimpl
def pushback_check_fields(connection, mapping, refresh):
    from . import errors
    from .client import SalesforceClient

    try:
        return field_check.run_test_fields(SalesforceClient(connection), mapping, refresh=refresh)
    except errors.SalesforceError as exc:
        raise FieldCheckError(f"Could not describe Contact in Salesforce: {exc.message}") from None


@hookimpl
def pushback_create_fields(connection, mapping, checks):
    from . import errors
    from .client import SalesforceClient
    from .field_setup import create_missing_fields

    try:
        steps, fresh = create_missing_fields(SalesforceClient(connection), mapping, checks)
    except errors.SalesforceError as exc:
        raise FieldCheckError(f"Salesforce refused a step: {exc.message}", checks) from None
    return FieldSetupResult(steps=steps, checks=fresh)


# --- connect ---------------------------------------------------------------------------------------


def _login_host_form(connection):
    """The Connect form's Salesforce-specific field: production, sandbox or My Domain."""
    from .forms import LoginHostForm

    return LoginHostForm(initial={
        "login_host": connection.settings.get("login_host", login_hosts.PRODUCTION),
        "my_domain": connection.settings.get("my_domain", "").removeprefix("https://"),
    })


def _chosen_login_host(connection, data) -> tuple[str, str]:
    """The admin's login-host choice: from the Connect form if posted (saved to the connection's
    settings), else the saved one (Reconnect)."""
    from .forms import LoginHostForm

    if "login_host" in data:
        form = LoginHostForm(data)
        if not form.is_valid():
            raise ConnectError(form.first_error() or "Choose where you sign in to Salesforce.")
        choice, my_domain = form.cleaned_data["login_host"], form.cleaned_data["my_domain"]
        if (connection.settings.get("login_host"), connection.settings.get("my_domain", "")) != (
                choice, my_domain):
            connection.update_settings(
                lambda values: values.update(login_host=choice, my_domain=my_domain))
        return choice, my_domain
    if "login_host" not in connection.settings:
        connection.update_settings(
            lambda values: values.update(login_host=login_hosts.PRODUCTION, my_domain=""))
    return connection.settings["login_host"], connection.settings.get("my_domain", "")


@hookimpl
def connect_begin(connection, state, form):
    error = oauth.setup_error()
    if error:
        raise ConnectError(error)
    choice, my_domain = _chosen_login_host(connection, form)
    try:
        login_url = login_hosts.login_url(choice, my_domain)
    except login_hosts.LoginHostError as exc:
        raise ConnectError(str(exc)) from None
    url, verifier = oauth.authorization_url(login_url, state)
    return AuthorizationRequest(url=url, private_state={
        "code_verifier": verifier, "login_url": login_url, "login_host": choice})


@hookimpl
def connect_complete(connection, params, private_state):
    code = params.get("code")
    if not code:
        raise ConnectError("Salesforce did not send a sign-in code. Click Connect Salesforce "
                           "to start again.")
    login_url = private_state["login_url"]
    token = oauth.exchange_code(login_url, code, private_state["code_verifier"])
    try:
        identity = oauth.fetch_identity(token)
        result = oauth.connection_result(token, identity, login_url, private_state["login_host"])
    except ConnectError:
        # Salesforce issued a grant we will not keep: let it go rather than leave it live.
        oauth.revoke(login_url, token.get("refresh_token") or token["access_token"])
        raise
    stored = connection.external_account_id
    if stored and stored != result.external_account_id and \
            connection.status != connection.Status.DISCONNECTED:
        oauth.revoke(login_url, result.credentials["refresh_token"])  # let go of the stray grant
        raise ConnectError(
            f"You signed in to Salesforce org {result.external_account_id}, but this "
            f"organization is connected to org {stored}. Disconnect first to switch orgs."
        )
    return result


@hookimpl
def connect_refresh(connection):
    creds = connection.credentials
    if not creds.get("refresh_token"):
        raise NeedsReconnect("No saved Salesforce sign-in; reconnect Salesforce.")
    token = oauth.refresh(creds["login_url"], creds["refresh_token"])
    new = oauth.credentials_from(token, creds["login_url"], previous_refresh=creds["refresh_token"])
    org_in_token = new["id_url"].rstrip("/").split("/")[-2] if new["id_url"] else ""
    if org_in_token and connection.external_account_id and \
            org_in_token != connection.external_account_id:
        raise NeedsReconnect("Salesforce refreshed the sign-in for a different org; reconnect.")
    return ConnectionResult(
        external_account_id=connection.external_account_id,
        account_label=connection.account_label,
        credentials=new,
        details={"instance_url": new["instance_url"]},
    )


@hookimpl
def connect_disconnect(connection):
    creds = connection.credentials
    token = creds.get("refresh_token") or creds.get("access_token")
    if not token:
        return DisconnectResult(revoked=True)
    login_url = creds.get("login_url") or login_hosts.login_url(login_hosts.PRODUCTION)
    revoked, message = oauth.revoke(login_url, token)
    return DisconnectResult(revoked=revoked, message=message)
