"""Sign-in throttling and one message for every failure (issue 13 §3).

Attacks: unlimited password guessing on org hosts and /admin/, and a password oracle (a correct
password of a non-member got "no access to <org>", a wrong one "enter a correct email...").
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, host_of, owner_of

LOGIN = "/accounts/login/"
LIMIT = 10


def _errors(response) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", e).split() and " ".join(re.sub(r"<[^>]+>", " ", e).split())
            for e in re.findall(r'<div class="errors"[^>]*>(.*?)</div>', response.content.decode(),
                                re.S)]


def _post(org, username, password, addr="203.0.113.7", **headers):
    client = Client(HTTP_HOST=host_of(org), REMOTE_ADDR=addr, **headers)
    return client, client.post(LOGIN, {"username": username, "password": password})


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _age_attempts(minutes: int) -> None:
    """Move every recorded failure ``minutes`` into the past (the cool-off is measured from it)."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def test_a_non_member_with_the_right_password_gets_the_wrong_password_message(org_a, org_b):
    _, non_member = _post(org_a, owner_of(org_b).username, PASSWORD)
    _, wrong = _post(org_a, owner_of(org_a).username, "not-the-password", addr="203.0.113.8")
    _, unknown = _post(org_a, "nobody@nowhere.example", "x", addr="203.0.113.9")
    assert non_member.status_code == wrong.status_code == unknown.status_code == 200
    assert _errors(non_member) and _errors(non_member) == _errors(wrong) == _errors(unknown)
    assert b"no access" not in non_member.content


def test_the_11th_wrong_password_is_throttled_and_the_right_one_waits_for_the_lockout(org_a,
                                                                                     org_b):
    user = owner_of(org_a).username
    statuses = []
    for i in range(LIMIT):  # from ten addresses and both org hosts: the account is what counts
        _, response = _post(org_a if i % 2 else org_b, user, f"guess-{i}", addr=f"198.51.100.{i}")
        statuses.append(response.status_code)
    assert statuses[:LIMIT - 1] == [200] * (LIMIT - 1)
    client, eleventh = _post(org_a, user, "guess-11", addr="198.51.100.77")
    assert eleventh.status_code == 429
    assert "Too many failed sign-in attempts" in eleventh.content.decode()
    client, right = _post(org_a, user, PASSWORD, addr="198.51.100.78")
    assert right.status_code == 429 and not _signed_in(client)
    _age_attempts(14)
    client, right = _post(org_a, user, PASSWORD, addr="198.51.100.78")
    assert right.status_code == 429 and not _signed_in(client)
    _age_attempts(16)  # the 15-minute lockout is over
    client, right = _post(org_a, user, PASSWORD, addr="198.51.100.78")
    assert right.status_code == 302 and _signed_in(client)


def test_one_address_guessing_many_accounts_is_throttled(org_a):
    for i in range(LIMIT):
        _post(org_a, f"someone-{i}@example.com", "x", addr="192.0.2.50")
    client, response = _post(org_a, owner_of(org_a).username, PASSWORD, addr="192.0.2.50")
    assert response.status_code == 429 and not _signed_in(client)
    client, response = _post(org_a, owner_of(org_a).username, PASSWORD, addr="192.0.2.51")
    assert response.status_code == 302 and _signed_in(client)


def test_x_forwarded_for_is_ignored_unless_behind_a_proxy(org_a, settings):
    for i in range(LIMIT):  # a spoofed header per attempt does not give a fresh address
        _post(org_a, f"spoof-{i}@example.com", "x", addr="192.0.2.60",
              HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    _, response = _post(org_a, owner_of(org_a).username, PASSWORD, addr="192.0.2.60",
                        HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429

    from host.client_ip import client_ip

    request = Client().get("/").wsgi_request
    request.META.update(REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.23")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.1.1.1"
    settings.BEHIND_PROXY = True  # the address our proxy appended, not what the client sent
    assert client_ip(request) == "198.51.100.23"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        username="staff@platform.example", email="staff@platform.example", password=PASSWORD,
        is_staff=True, is_superuser=True)


def test_the_admin_login_is_throttled_too(staff, settings):
    def attempt(password):
        client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, REMOTE_ADDR="203.0.113.40")
        return client, client.post("/admin/login/?next=/admin/",
                                   {"username": staff.username, "password": password})

    for i in range(LIMIT - 1):
        assert attempt(f"guess-{i}")[1].status_code == 200
    attempt("guess-10")
    client, response = attempt(PASSWORD)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert "Too many failed sign-in attempts" in response.content.decode()
    _age_attempts(16)
    client, response = attempt(PASSWORD)
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_empty_form_shows_field_errors(org_a):
    client = Client(HTTP_HOST=host_of(org_a))
    page = client.post(LOGIN, {"username": "", "password": ""}).content.decode()
    assert page.count("This field is required.") == 2
    assert 'aria-invalid="true"' in page


def test_failed_sign_ins_live_in_the_public_schema_only(org_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT table_schema FROM information_schema.tables "
                       "WHERE table_name = 'axes_accessattempt'")
        schemas = {row[0] for row in cursor.fetchall()}
    assert schemas == {"public"}


def test_a_non_staff_password_on_the_admin_counts_like_a_wrong_one(org_a, settings):
    owner = owner_of(org_a)  # a real account, right password, but no staff access
    for _ in range(LIMIT):
        client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, REMOTE_ADDR="203.0.113.41")
        response = client.post("/admin/login/?next=/admin/",
                               {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 429
