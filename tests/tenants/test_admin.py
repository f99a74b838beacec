"""The Django admin for platform staff: add through the org service, guarded delete, status."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_exists

from host.models import InboundEvent, IntegrationConnection, PushbackItem, SyncRun
from tenants.models import Domain, Membership, Organization
from tests.conftest import PASSWORD

ADD_URL = "/admin/tenants/organization/add/"


@pytest.fixture
def staff(db):
    user = get_user_model().objects.create_superuser("staff@platform.example",
                                                     "staff@platform.example", PASSWORD)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _add(staff, **fields):
    data = {"slug": "", "name": "", "domain": "", "owner_email": "", "owner_password": "",
            **fields}
    return staff.post(ADD_URL, data)


def test_add_organization_creates_schema_domain_and_owner_through_the_service(staff):
    assert staff.get(ADD_URL).status_code == 200
    response = _add(staff, slug="admin-made", name="Admin Made", owner_email="Boss@Made.example",
                    owner_password=PASSWORD)
    assert response.status_code == 302, response.content.decode()[-2000:]
    org = Organization.objects.get(slug="admin-made")
    assert org.schema_name == "org_admin_made" and schema_exists(org.schema_name)
    assert Domain.objects.get(tenant=org, is_primary=True).domain == "admin-made.localhost"
    assert Membership.objects.get(organization=org).user.email == "boss@made.example"
    with org:  # cloned from the migrated template: the org's tables are there
        assert IntegrationConnection.objects.count() == 0


def test_add_organization_with_a_custom_domain_and_no_owner(staff):
    assert _add(staff, slug="custom-dom", name="Custom",
                domain="Surveys.Custom.example").status_code == 302
    org = Organization.objects.get(slug="custom-dom")
    assert org.get_primary_domain().domain == "surveys.custom.example"
    assert not org.memberships.exists()


@pytest.mark.parametrize("fields, message", [
    ({"slug": "bad-", "name": "X"}, "Invalid slug"),
    ({"slug": "Bad_Slug!", "name": "X"}, "Enter a valid"),
    ({"slug": "admin", "name": "X"}, "is reserved"),
    ({"slug": "org-a", "name": "X"}, "already exists"),
    ({"slug": "fresh-one", "name": "X", "domain": "org-b.localhost"}, "already in use"),
    ({"slug": "fresh-two", "name": "X", "owner_email": "a@b.example"}, "Give both"),
    ({"slug": "fresh-three", "name": "X", "owner_email": "a@b.example",
      "owner_password": "123"}, "Owner password"),
])
def test_bad_input_is_a_form_error_and_creates_nothing(staff, fields, message):
    before = Organization.objects.count()
    response = _add(staff, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organization.objects.count() == before


def test_delete_requires_typing_the_schema_name_and_is_never_a_bulk_action(staff):
    _add(staff, slug="doomed", name="Doomed")
    org = Organization.objects.get(slug="doomed")
    url = f"/admin/tenants/organization/{org.pk}/delete/"
    page = staff.get(url).content.decode()
    assert "org_doomed" in page and 'name="confirm_schema"' in page

    for typed in ("", "doomed", "org_other"):
        response = staff.post(url, {"post": "yes", "confirm_schema": typed})
        assert response.status_code == 400
        assert "Type the schema name" in response.content.decode()
    assert Organization.objects.filter(pk=org.pk).exists() and schema_exists("org_doomed")

    changelist = staff.get("/admin/tenants/organization/").content.decode()
    assert "delete_selected" not in changelist
    bulk = staff.post("/admin/tenants/organization/",
                      {"action": "delete_selected", "_selected_action": [org.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    assert Organization.objects.filter(pk=org.pk).exists()

    response = staff.post(url, {"post": "yes", "confirm_schema": "org_doomed"})
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=org.pk).exists()
    assert not schema_exists("org_doomed")


def test_the_public_tenant_cannot_be_deleted(staff):
    public = Organization.objects.get(schema_name="public")
    assert staff.get(f"/admin/tenants/organization/{public.pk}/delete/").status_code == 403


def test_staff_see_each_connections_status_on_the_org_page(staff, org_a):
    with org_a:
        conn = IntegrationConnection.objects.create(
            provider="salesforce", status=IntegrationConnection.Status.NEEDS_ATTENTION,
            last_error="Refresh token revoked")
        SyncRun.objects.create(connection=conn, status=SyncRun.Status.SUCCEEDED, created=12)
        InboundEvent.objects.create(provider="salesforce", dedupe_key="e1", kind="closed_won")
        InboundEvent.objects.create(provider="salesforce", dedupe_key="e2", kind="closed_won",
                                    status=InboundEvent.Status.PROCESSED)
        _pushback_item(status=PushbackItem.Status.QUEUED)
        _pushback_item(status=PushbackItem.Status.WRITTEN)
    page = staff.get(f"/admin/tenants/organization/{org_a.pk}/change/").content.decode()
    row = page.split("<td>salesforce</td>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[0] == "Needs attention"
    assert cells[1].startswith("Succeeded, ") and "12 created" in cells[1]
    assert cells[2:] == ["1", "1", "Refresh token revoked"]


def test_org_page_without_connections_says_so(staff, org_b):
    page = staff.get(f"/admin/tenants/organization/{org_b.pk}/change/").content.decode()
    assert "No integration connected yet." in page


def _pushback_item(status):
    import uuid

    from django.utils import timezone

    return PushbackItem.objects.create(provider="salesforce", response_id=uuid.uuid4(),
                                       contact_id=uuid.uuid4(), external_id="003000000000001AAA",
                                       kind="nps", score=9, answered_at=timezone.now(),
                                       status=status)


def test_pushback_backlog__counts_scores_not_written_yet(in_org_a):
    from host.pushback import backlog

    assert backlog("salesforce") == 0
    _pushback_item(PushbackItem.Status.QUEUED)
    _pushback_item(PushbackItem.Status.QUEUED)
    _pushback_item(PushbackItem.Status.WRITTEN)
    assert backlog("salesforce") == 2 and backlog("fake_crm") == 0
