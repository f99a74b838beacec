"""Hosts, sign-in and data isolation between organizations."""

from __future__ import annotations

from django.db import connection
from django.test import Client

from host.models import Contact
from tests.conftest import PASSWORD, host_of, owner_of


def test_unknown_host_gets_the_404_page(db):
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_each_org_is_served_on_its_own_host(client_a, org_a):
    response = client_a.get("/")
    assert response.status_code == 200
    assert org_a.name.encode() in response.content


def test_org_pages_need_sign_in(org_a):
    response = Client(HTTP_HOST=host_of(org_a)).get("/settings/integrations")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_logs_in_on_their_org_host(org_a):
    client = Client(HTTP_HOST=host_of(org_a))
    response = client.post("/accounts/login/", {
        "username": owner_of(org_a).username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_member_of_another_org_cannot_log_in(org_a, org_b):
    client = Client(HTTP_HOST=host_of(org_a))
    response = client.post("/accounts/login/", {
        "username": owner_of(org_b).username, "password": PASSWORD})
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content  # the same words as a wrong password
    assert "_auth_user_id" not in client.session


def test_session_of_org_a_is_useless_on_org_b_host(client_a, org_b):
    response = client_a.get("/settings/integrations", HTTP_HOST=host_of(org_b))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_contacts_of_one_org_are_invisible_to_another(org_a, org_b):
    with org_a:
        Contact.objects.create(email="only-a@example.com")
    with org_b:
        assert not Contact.objects.filter(email="only-a@example.com").exists()
        assert connection.schema_name == org_b.schema_name
    with org_a:
        assert Contact.objects.filter(email="only-a@example.com").count() == 1


def test_org_home_counts_only_its_own_contacts(client_a, org_a, org_b):
    with org_b:
        Contact.objects.bulk_create([Contact(email=f"b{i}@example.com") for i in range(3)])
    with org_a:
        Contact.objects.create(email="a@example.com")
    response = client_a.get("/")
    assert b"1 contact." in response.content


def test_public_host_serves_the_admin_login(public_client):
    response = public_client.get("/admin/login/")
    assert response.status_code == 200
    assert b"Django administration" in response.content or b"Log in" in response.content
