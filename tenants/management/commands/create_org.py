from django.core.management.base import BaseCommand, CommandError

from tenants.services import OrgCreationError, create_organization


class Command(BaseCommand):
    help = "Create an organization with its own schema, domain and (optionally) an owner."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--domain", help="Host name; default <slug>.<PLATFORM_DOMAIN>")
        parser.add_argument("--owner-email")
        parser.add_argument("--owner-password")

    def handle(self, *args, **opts):
        try:
            org = create_organization(
                opts["slug"],
                opts["name"],
                domain=opts["domain"],
                owner_email=opts["owner_email"],
                owner_password=opts["owner_password"],
            )
        except OrgCreationError as exc:
            raise CommandError(str(exc)) from exc
        domain = org.get_primary_domain().domain
        self.stdout.write(f"Created organization {org.slug} ({org.name}) at {domain}")
