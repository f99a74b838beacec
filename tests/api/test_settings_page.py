"""Settings > API: owners/admins create keys (shown once), see the list, delete."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from api import keys
from api.models import ApiKey
from tenants.models import Membership
from tests.conftest import PASSWORD, host_of

URL = "/settings/api"


def create(client, **data):
    return client.post(URL, {"name": "Salesforce button", "scopes": ["sequences:execute"], **data})


def test_create_shows_the_full_key_once_and_stores_only_its_hash(client_a, org_a):
    response = create(client_a, scopes=["sequences:execute", "contacts:read"])
    assert response.status_code == 200
    html = response.content.decode()
    plaintext = re.search(r'id="new-key" value="(dem_[A-Za-z0-9_-]{43})"', html).group(1)
    key = ApiKey.objects.get(organization=org_a)
    assert key.key_hash == keys.hash_key(plaintext) and key.scopes == ["sequences:execute",
                                                                        "contacts:read"]
    assert key.created_by.email == "owner@org-a.example"
    assert response["Cache-Control"] == "no-store"
    listing = client_a.get(URL).content.decode()
    assert plaintext not in listing and key.prefix in listing and "Salesforce button" in listing
    assert "Never" in listing  # last used / expires


def test_list_shows_usage_and_expiry(client_a, org_a):
    created = keys.create_key(org_a, "Reporting", ["responses:read"], expires_in_days=30)
    ApiKey.objects.filter(pk=created.key.pk).update(request_count=1234, last_used_at=timezone.now())
    html = client_a.get(URL).content.decode()
    for text in ("Reporting", created.key.prefix, "responses:read", "1234",
                 f"{created.key.expires_at:%Y-%m-%d}"):
        assert text in html


def test_expiry_date(client_a, org_a):
    day = timezone.now().date() + timedelta(days=10)
    create(client_a, expires_on=day.isoformat())
    key = ApiKey.objects.get(organization=org_a)
    assert key.expires_at.date() == day + timedelta(days=1) and key.expires_at.hour == 0
    response = create(client_a, expires_on="2001-01-01")
    assert response.status_code == 400 and "today or a later date" in response.content.decode()


def test_form_errors(client_a, org_a):
    response = client_a.post(URL, {"name": "", "scopes": ["root:*"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "not one of the available choices" in html
    assert client_a.post(URL, {"name": "x"}).status_code == 400
    assert not ApiKey.objects.exists()


def test_delete_revokes_at_once(client_a, org_a, org_b):
    created = keys.create_key(org_a, "Temp", ["contacts:read"])
    other = keys.create_key(org_b, "B's", ["contacts:read"])
    api = Client(HTTP_HOST="localhost")
    assert api.get("/api/v1/contacts", HTTP_X_API_KEY=created.plaintext).status_code == 200
    assert client_a.post(f"{URL}/{other.key.pk}/delete").status_code == 404  # not A's key
    response = client_a.post(f"{URL}/{created.key.pk}/delete")
    assert response.status_code == 302
    assert not ApiKey.objects.filter(pk=created.key.pk).exists()
    assert api.get("/api/v1/contacts", HTTP_X_API_KEY=created.plaintext).status_code == 401
    assert client_a.get(f"{URL}/{created.key.pk}/delete").status_code == 405


def test_only_owners_and_admins(org_a):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("member@org-a.example", "member@org-a.example",
                                                PASSWORD)
    membership = Membership.objects.create(user=user, organization=org_a, role="member")
    client = Client(HTTP_HOST=host_of(org_a))
    assert client.get(URL).status_code == 302  # signed out → login
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert create(client).status_code == 403 and not ApiKey.objects.exists()
    membership.role = "admin"
    membership.save()
    assert client.get(URL).status_code == 200


def test_accessible_markup(client_a):
    html = client_a.get(URL).content.decode()
    assert "<fieldset" in html and "<legend>Scopes</legend>" in html
    assert 'for="id_name"' in html and 'id="id_name"' in html
    for scope in ("contacts:read", "sequences:execute", "responses:*"):
        assert f'value="{scope}"' in html
