"""The public table *(integration, external account id) → organization* of APP webhooks.

One place keeps it in step with the connections: ``sync_route``, called by
``IntegrationConnection.store_result`` (connect, reconnect to another account, refresh) and
``IntegrationConnection.disconnect``. Only integrations with an APP webhook have routes; a
connected or needs-attention connection has its row (its events are recorded and ignored with
the reason in its org's event log), a disconnected one none (its events go to the public
``UnroutedWebhookEvent``). ``backfill`` (run by ``setup_platform`` on every release) rebuilds
the rows from the org schemas, for connections made before the table existed.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db import connection as db

from host.contracts import WebhookStyle

ROUTED_STATUSES = ("connected", "needs_attention")


class AccountTaken(Exception):
    """The CRM account is already connected to another organization on this platform."""


def app_webhook_keys() -> list[str]:
    from host.integrations import registry

    return [key for key, integration in registry().items()
            if integration.info.webhook and integration.info.webhook.style == WebhookStyle.APP]


def _routed(key: str) -> bool:
    return key in app_webhook_keys()


def check_available(key: str, external_account_id: str, org) -> None:
    """Raise ``AccountTaken`` when another org routes this account (before a connect is stored)."""
    from tenants.models import ConnectedAccount

    if not _routed(key) or not external_account_id:
        return
    if ConnectedAccount.objects.filter(integration=key, external_account_id=external_account_id
                                       ).exclude(organization=org).exists():
        raise AccountTaken(external_account_id)


def sync_route(connection, org=None) -> None:
    """Make the org's route for ``connection`` match its status and account (or go)."""
    from host.integrations import current_org
    from tenants.models import ConnectedAccount

    if not _routed(connection.provider):
        return
    org = org or current_org()
    rows = ConnectedAccount.objects.filter(integration=connection.provider, organization=org)
    if connection.status not in ROUTED_STATUSES or not connection.external_account_id:
        rows.delete()
        return
    with transaction.atomic():
        # The unique constraint on the account refuses a second org (``check_available`` said
        # so before; this is the guard against a race).
        ConnectedAccount.objects.update_or_create(
            integration=connection.provider, organization=org,
            defaults={"external_account_id": connection.external_account_id})


def organization_for(key: str, external_account_id: str):
    """The organization the account is connected to, or None."""
    from tenants.models import ConnectedAccount

    row = (ConnectedAccount.objects.select_related("organization")
           .filter(integration=key, external_account_id=external_account_id).first())
    return row.organization if row else None


def backfill() -> int:
    """Create the missing routes of connected APP-webhook connections in every org schema (one
    query per 100 schemas); returns the number created."""
    from django_tenants.utils import get_public_schema_name

    from tenants.models import ConnectedAccount, Organization

    keys = app_webhook_keys()
    if not keys:
        return 0
    orgs = {o.schema_name: o for o in Organization.objects.exclude(
        schema_name=get_public_schema_name())}
    schemas = list(orgs)
    created = 0
    table = db.ops.quote_name("host_integrationconnection")
    with db.cursor() as cursor:
        for start in range(0, len(schemas), 100):
            branches, args = [], []
            for schema in schemas[start:start + 100]:
                branches.append(
                    f"SELECT %s, provider, external_account_id FROM "  # noqa: S608  # nosec B608
                    f"{db.ops.quote_name(schema)}.{table} WHERE provider = ANY(%s) "
                    "AND status = ANY(%s) AND external_account_id <> ''")
                args += [schema, keys, list(ROUTED_STATUSES)]
            cursor.execute(" UNION ALL ".join(branches), args)
            for schema, key, account in cursor.fetchall():
                try:
                    with transaction.atomic():
                        _, made = ConnectedAccount.objects.get_or_create(
                            integration=key, organization=orgs[schema],
                            defaults={"external_account_id": account})
                except IntegrityError:  # the account routes to another org already: keep it
                    continue
                created += made
    return created
