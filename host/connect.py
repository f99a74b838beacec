"""The connect dance, for every integration: state handling around the plugin's hooks.

1. ``begin`` (org host): make an unguessable single-use ``state`` bound to the admin's session
   and org, ask the plugin for the authorization URL, keep its private state encrypted.
2. The CRM redirects to the platform's one callback URL on the public host; ``relay_url`` finds
   the org from the state and sends the browser on to the org host (where the admin's session
   cookie lives).
3. ``complete`` (org host): check the state (same session, same org, unused, unexpired), consume
   it, and only then call the plugin's ``connect_complete``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.utils import timezone

from host import crypto, hooks
from host.contracts import ConnectError
from host.integrations import current_org, get_connection, get_integration
from host.links import org_base_url
from host.webhooks.routes import AccountTaken, check_available

STATE_TTL = timedelta(minutes=10)


class StateError(Exception):
    """The callback's state is missing, unknown, expired, replayed, or from another session."""


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _session_binding(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return _hash("session:" + request.session.session_key)


def begin(request, provider: str, return_to: str = "") -> str:
    """Return the URL to send the admin to. Raises ``ConnectError`` with a message for them.

    The plugin gets the Connect form's data (``request.POST``: its own extra fields, e.g.
    Salesforce's login host), never the request. ``return_to`` is the org-host path the admin
    started from; ``return_path`` gives it back to the callback so the admin lands where they
    clicked *Connect*.
    """
    form = request.POST
    from tenants.models import OAuthState

    conn = get_connection(provider)
    state = secrets.token_urlsafe(32)
    auth = hooks.integration(provider).connect_begin(connection=conn, state=state, form=form)
    OAuthState.objects.create(
        state_hash=_hash(state),
        organization=current_org(),
        provider=provider,
        session_hash=_session_binding(request),
        user_id=request.user.pk,
        private_state_encrypted=crypto.encrypt_json(auth.private_state),
        return_to=return_to,
        expires_at=timezone.now() + STATE_TTL,
    )
    return auth.url


def relay_url(request, provider: str) -> str | None:
    """Where the public callback sends the browser: the same path on the org's own host."""
    from tenants.models import OAuthState

    state = request.GET.get("state", "")
    pending = (
        OAuthState.objects.select_related("organization")
        .filter(state_hash=_hash(state), provider=provider)
        .first()
        if state else None
    )
    if pending is None:
        return None
    # The public scheme and port, not this request's: behind a proxy the app hears plain HTTP on
    # an internal port the browser cannot reach.
    path = f"/settings/integrations/{provider}/oauth/complete"
    return f"{org_base_url(pending.organization)}{path}?{urlencode(request.GET)}"


def return_path(request, provider: str) -> str:
    """The path the admin started the connect from, for the callback's state; ``""`` if unknown.

    Read before ``complete`` so that errors land the admin on the same page as success does. Only
    a state of this org, provider and browser session counts.
    """
    from tenants.models import OAuthState

    state = request.GET.get("state", "")
    if not state or not request.session.session_key:
        return ""
    pending = OAuthState.objects.filter(
        state_hash=_hash(state), provider=provider, organization=current_org(),
        session_hash=_session_binding(request),
    ).values_list("return_to", flat=True).first()
    return pending or ""


def complete(request, provider: str):
    """Validate and consume the state, then let the plugin finish. Returns the connection."""
    from tenants.models import OAuthState

    state = request.GET.get("state", "")
    now = timezone.now()
    with transaction.atomic():
        pending = (
            OAuthState.objects.select_for_update()
            .filter(state_hash=_hash(state), provider=provider, organization=current_org())
            .first()
            if state else None
        )
        if pending is None or pending.used_at is not None:
            raise StateError("This sign-in link was already used or is not from this browser.")
        pending.used_at = now
        pending.save(update_fields=["used_at"])
    if pending.expires_at < now:
        raise StateError("The sign-in took too long and expired.")
    if pending.session_hash != _session_binding(request) or pending.user_id != request.user.pk:
        raise StateError("The sign-in was started in another browser session.")
    if request.GET.get("error"):
        description = request.GET.get("error_description") or request.GET["error"]
        raise ConnectError(f"Authorization was not granted ({description}).")
    conn = get_connection(provider)
    result = hooks.integration(provider).connect_complete(
        connection=conn,
        params={k: v for k, v in request.GET.items()},
        private_state=crypto.decrypt_json(pending.private_state_encrypted),
    )
    if (conn.external_account_id and result.external_account_id != conn.external_account_id
            and conn.status != conn.Status.DISCONNECTED):
        raise ConnectError(
            "This is a different account than the one connected. Disconnect first to switch."
        )
    taken = ConnectError(
        f"This {get_integration(provider).info.name} account is already connected to another "
        "organization on this platform. Disconnect it there first.")
    try:
        check_available(provider, result.external_account_id, current_org())
        with transaction.atomic():  # the route's unique account: a concurrent claim loses
            conn.store_result(result)
    except (AccountTaken, IntegrityError):
        raise taken from None
    return conn


def disconnect(provider: str) -> str:
    """Let the plugin revoke, then wipe credentials locally whatever happened. Returns a message."""
    conn = get_connection(provider)
    message = ""
    try:
        result = hooks.integration(provider).connect_disconnect(connection=conn)
        if result is not None and not result.revoked:
            message = result.message or "The provider could not be told; disconnected locally."
    except Exception as exc:  # noqa: BLE001 - a failing revoke still disconnects locally
        message = f"Revoking failed ({exc}); disconnected locally."
    conn.disconnect(message)
    return message
