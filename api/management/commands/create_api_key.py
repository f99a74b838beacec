"""``manage.py create_api_key SLUG --name N --scopes a,b [--expires-days D]``; key on the last line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from api import keys
from api.scopes import parse_scopes
from tenants.models import Organization


class Command(BaseCommand):
    help = "Create an API key for an organization and print it (shown this once only)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The organization's slug.")
        parser.add_argument("--name", required=True, help="What the key is for.")
        parser.add_argument("--scopes", required=True,
                            help="Comma-separated scopes, e.g. sequences:execute,contacts:read.")
        parser.add_argument("--expires-days", type=int, default=None,
                            help="Days until the key expires (default: never).")

    def handle(self, *args, slug, name, scopes, expires_days, **opts):
        org = Organization.objects.exclude(schema_name="public").filter(slug=slug).first()
        if org is None:
            raise CommandError(f"No organization with the slug {slug!r}.")
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters.")
        try:
            scope_list = parse_scopes(scopes)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if expires_days is not None and not 1 <= expires_days <= 3650:
            raise CommandError("--expires-days must be between 1 and 3650.")
        created = keys.create_key(org, name, scope_list, expires_in_days=expires_days)
        expiry = (f"expires {created.key.expires_at:%Y-%m-%d %H:%M} UTC" if created.key.expires_at
                  else "never expires")
        self.stdout.write(f"Created API key {name!r} for {org.slug} ({', '.join(scope_list)}; "
                          f"{expiry}). Store it now; it is not shown again:")
        self.stdout.write(created.plaintext)
