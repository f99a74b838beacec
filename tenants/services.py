"""Creating organizations: validated up front, all-or-nothing (no orphan schema)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from tenants.models import Domain, Membership, Organization

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,48}[a-z0-9]$")
RESERVED_SLUGS = {"public", "www", "admin", "api", "app", "static", "org-template", "mail"}
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9-]{1,63})*$")


class OrgCreationError(Exception):
    """Bad input for a new organization; the message says what to fix."""


def schema_name_for(slug: str) -> str:
    # Slugs cannot contain "_", so this mapping is one-to-one.
    return "org_" + slug.replace("-", "_")


def default_domain(slug: str) -> str:
    return f"{slug}.{settings.PLATFORM_DOMAIN}"


def validate_new_org(slug: str, domain: str) -> None:
    if not SLUG_RE.match(slug):
        raise OrgCreationError(
            f"Invalid slug {slug!r}: use 3-50 lowercase letters, digits and hyphens, "
            "starting with a letter and not ending with a hyphen."
        )
    if slug in RESERVED_SLUGS:
        raise OrgCreationError(f"The slug {slug!r} is reserved; choose another.")
    if Organization.objects.filter(slug=slug).exists():
        raise OrgCreationError(f"An organization with the slug {slug!r} already exists.")
    if not DOMAIN_RE.match(domain):
        raise OrgCreationError(f"Invalid domain {domain!r}.")
    if Domain.objects.filter(domain__iexact=domain).exists() or domain == settings.PLATFORM_DOMAIN:
        raise OrgCreationError(f"The domain {domain!r} is already in use.")


def check_new_org(slug: str, name: str, domain: str | None = None,
                  owner_email: str | None = None, owner_password: str | None = None,
                  ) -> tuple[str, str, str]:
    """Every check ``create_organization`` makes before writing, for forms that report errors
    before saving (the Django admin). Returns the normalized slug, name and domain."""
    slug = (slug or "").strip().lower()
    domain = (domain or default_domain(slug)).strip().lower()
    name = (name or "").strip()
    if not name:
        raise OrgCreationError("A name is required.")
    validate_new_org(slug, domain)
    if bool(owner_email) != bool(owner_password):
        raise OrgCreationError("Give both --owner-email and --owner-password, or neither.")
    if owner_password:
        try:
            validate_password(owner_password)
        except ValidationError as exc:
            raise OrgCreationError("Owner password: " + " ".join(exc.messages)) from exc
    return slug, name, domain


def create_organization(
    slug: str,
    name: str,
    domain: str | None = None,
    owner_email: str | None = None,
    owner_password: str | None = None,
) -> Organization:
    """Create an org, its schema (cloned from the template), its domain and optional owner.

    Everything happens in one transaction, so a failure leaves no row and no schema behind
    (PostgreSQL DDL is transactional).
    """
    slug, name, domain = check_new_org(slug, name, domain, owner_email, owner_password)
    with transaction.atomic():
        org = Organization(schema_name=schema_name_for(slug), slug=slug, name=name)
        org.save(verbosity=0)
        Domain.objects.create(domain=domain, tenant=org, is_primary=True)
        if owner_email:
            user = _owner_user(owner_email, owner_password)
            Membership.objects.create(user=user, organization=org, role=Membership.Role.OWNER)
    return org


def _owner_user(email: str, password: str):
    User = get_user_model()
    email = email.strip().lower()
    user = User.objects.filter(username=email).first()
    if user is None:
        user = User.objects.create_user(username=email, email=email, password=password)
    elif not user.check_password(password):
        raise OrgCreationError(
            f"A user {email} already exists with another password; give that password to add "
            "them as owner."
        )
    return user
