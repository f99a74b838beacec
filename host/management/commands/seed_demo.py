"""Create the demo organization (idempotent) and print how to sign in."""

from django.core.management.base import BaseCommand

from host.links import org_base_url
from tenants.models import Organization
from tenants.services import create_organization

DEMO_SLUG = "acme"
DEMO_EMAIL = "owner@acme.example"
DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - a published dev-only demo login


class Command(BaseCommand):
    help = "Seed the demo organization 'acme' with an owner login and demo data."

    def handle(self, *args, **opts):
        org = Organization.objects.filter(slug=DEMO_SLUG).first()
        if org is None:
            org = create_organization(
                DEMO_SLUG, "Acme Inc.", owner_email=DEMO_EMAIL, owner_password=DEMO_PASSWORD
            )
        from host.hooks import platform

        with org:
            for seeded in platform.platform_seed_demo(org=org):
                self.stdout.write(seeded)
        self.stdout.write(
            f"Demo organization: {org_base_url(org)}/\n"
            f"  log in as {DEMO_EMAIL} / {DEMO_PASSWORD}"
        )
