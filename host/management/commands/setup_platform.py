"""Bring the database up to date: public schema, the org template schema, every org schema."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants.models import Domain, Organization


class Command(BaseCommand):
    help = "Migrate the public schema, the template schema new orgs are cloned from, and all orgs."

    def handle(self, *args, **opts):
        verbosity = opts.get("verbosity", 1)
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        ensure_public_tenant()
        migrate_template(verbosity)
        if Organization.objects.exclude(schema_name=get_public_schema_name()).exists():
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        from host.webhooks.routes import backfill

        routed = backfill()  # APP-webhook routes of connections made before the table existed
        if routed and verbosity:
            self.stdout.write(f"Routed {routed} connected account(s) for app-level webhooks.")
        self.stdout.write("Platform database is up to date.")


def ensure_public_tenant() -> Organization:
    public, _ = Organization.objects.get_or_create(
        schema_name=get_public_schema_name(), defaults={"slug": "public", "name": "Platform"}
    )
    Domain.objects.get_or_create(
        domain=settings.PLATFORM_DOMAIN, defaults={"tenant": public, "is_primary": True}
    )
    return public


def migrate_template(verbosity: int = 0) -> None:
    """Create and migrate the template schema that new organizations are cloned from."""
    template = settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{template}"')
    call_command("migrate_schemas", schema_name=template, interactive=False, verbosity=verbosity)
