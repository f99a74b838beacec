"""``create_org``: cloned from the template schema, clear errors, nothing half-created."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists

from tenants.models import Domain, Membership, Organization
from tenants.services import OrgCreationError, create_organization
from tests.conftest import PASSWORD


def _tables(schema):
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema=%s",
                       [schema])
        return {row[0] for row in cursor.fetchall()}


def test_create_org_command_makes_schema_domain_and_owner(db, capsys):
    call_command("create_org", "newco", "--name", "New Co", "--owner-email", "Boss@NewCo.example",
                 "--owner-password", PASSWORD)
    assert "Created organization newco (New Co) at newco.localhost" in capsys.readouterr().out
    org = Organization.objects.get(slug="newco")
    assert org.schema_name == "org_newco"
    assert Domain.objects.get(tenant=org).domain == "newco.localhost"
    assert Membership.objects.get(organization=org).user.email == "boss@newco.example"
    assert {"host_contact", "host_externallink", "django_migrations"} <= _tables("org_newco")


def test_cloned_schema_records_its_migrations_as_applied(db):
    org = create_organization("clonecheck", "Clone Check")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{org.schema_name}".django_migrations '  # noqa: S608
                       "WHERE app = 'host'")
        assert cursor.fetchone()[0] >= 1


def test_custom_domain(db):
    org = create_organization("custom", "Custom", domain="feedback.custom.example")
    assert org.get_primary_domain().domain == "feedback.custom.example"


@pytest.mark.parametrize("slug, message", [
    ("org-a", "already exists"),
    ("Bad_Slug", "Invalid slug"),
    ("x", "Invalid slug"),
    ("public", "reserved"),
    ("trailing-", "Invalid slug"),
])
def test_bad_or_taken_slugs_are_refused(org_a, slug, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_org", slug, "--name", "X")


def test_taken_domain_is_refused(org_a):
    with pytest.raises(CommandError, match="already in use"):
        call_command("create_org", "other", "--name", "Other", "--domain", "org-a.localhost")
    assert not Organization.objects.filter(slug="other").exists()


def test_failure_after_the_schema_was_made_leaves_nothing_behind(org_a):
    """The owner check fails after the schema exists: the row and the schema both vanish."""
    with pytest.raises(OrgCreationError, match="already exists with another password"):
        create_organization("halfway", "Halfway", owner_email="owner@org-a.example",
                            owner_password="a-different-password-42")
    assert not Organization.objects.filter(slug="halfway").exists()
    assert not schema_exists("org_halfway")
