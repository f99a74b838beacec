"""Error pages with DEBUG off: branded HTML in the site's layout; JSON envelopes under /api/."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.conftest import host_of

LAYOUT = ('<a class="brand"', "host/site.css")


def _org_client(org):
    return Client(HTTP_HOST=host_of(org), raise_request_exception=False)


def _assert_page(response, status, heading):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert heading in page
    for piece in LAYOUT:
        assert piece in page
    assert "Traceback" not in page and "boom" not in page


@pytest.mark.parametrize("path, status, heading", [
    ("/boom", 500, "Something went wrong on our side"),
    ("/forbidden", 403, "You do not have access to this page"),
    ("/suspicious", 400, "We could not read that request"),
    ("/no-such-page", 404, "Page not found"),
])
@override_settings(ROOT_URLCONF="tests.host.error_urls", DEBUG=False)
def test_branded_error_pages_in_the_sites_layout(org_a, path, status, heading):
    _assert_page(_org_client(org_a).get(path), status, heading)


@pytest.mark.parametrize("path, status, code", [
    ("/api/v1/boom", 500, "INTERNAL_ERROR"),
    ("/api/v1/forbidden", 403, "FORBIDDEN"),
    ("/api/v1/suspicious", 400, "BAD_REQUEST"),
])
@override_settings(ROOT_URLCONF="tests.host.error_urls", DEBUG=False)
def test_the_api_keeps_its_json_envelope_for_errors_outside_drf(org_a, path, status, code):
    response = _org_client(org_a).get(path)
    assert response.status_code == status
    assert response.json() == {"error": {"code": code, "message": response.json()["error"][
        "message"], "details": {}}}


def test_unknown_hosts_get_the_404_page_and_the_api_its_envelope(db):
    client = Client(HTTP_HOST="nobody.example")
    _assert_page(client.get("/"), 404, "Page not found")
    api = client.get("/api/v1/contacts")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "NOT_FOUND"


def test_csrf_failure_is_a_branded_page_in_the_products_words(org_a):
    client = Client(HTTP_HOST=host_of(org_a), enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    _assert_page(response, 403, "This form has expired")
    assert "CSRF" not in response.content.decode()


def test_public_host_404_is_branded_too(public_client):
    _assert_page(public_client.get("/no-such-page"), 404, "Page not found")
