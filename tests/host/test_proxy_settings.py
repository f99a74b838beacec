"""Behind a TLS-terminating proxy: settings from the environment, CSRF on every org host,
and ``check --deploy`` clean with the documented production environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD, ROOT, host_of, owner_of

# The documented production environment (README "Configuration"), minus the servers' URLs,
# which settings only parse.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x9Qw7Z" * 10,
    "DATABASE_URL": "postgres://platform:pw@db:5432/platform",
    "REDIS_URL": "redis://redis:6379/0",
    "TOKEN_ENCRYPTION_KEYS": "bXlfZmVybmV0X2tleV9vZl8zMl9ieXRlc19fX19fX18=",
    "PLATFORM_DOMAIN": "surveys.example.com",
    "BEHIND_PROXY": "true",
    "ORG_URL_SCHEME": "https",
    "SALESFORCE_REDIRECT_URI": "https://surveys.example.com/oauth/salesforce/callback",
    "EMAIL_URL": "smtp+tls://user:pw@smtp.example.com:587",
}
SHOWN = ["SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "STORAGES", "STATIC_ROOT"]


def _django(*args: str, **env: str) -> subprocess.CompletedProcess:
    """A fresh interpreter with only the given environment (no development defaults)."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "host.settings",
             "PYTHONPATH": os.environ.get("PYTHONPATH", ""), **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


def _settings(**env: str) -> dict:
    code = ("import django, json; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n, None) for n in {SHOWN!r}}}, default=str))")
    result = _django("-c", code, **env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_the_documented_production_environment():
    result = _django("-m", "django", "check", "--deploy", "--fail-level", "WARNING",
                     **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "no issues" in result.stdout


def test_https_settings_are_on_by_default_without_debug_and_each_can_be_turned_off():
    values = _settings(**PRODUCTION_ENV)
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["STORAGES"]["staticfiles"]["BACKEND"].endswith(
        "CompressedManifestStaticFilesStorage")

    relaxed = _settings(**{**PRODUCTION_ENV, "BEHIND_PROXY": "false", "SECURE_SSL_REDIRECT":
                           "false", "SECURE_HSTS_SECONDS": "0", "SECURE_COOKIES": "false",
                           "STATIC_ROOT": "/srv/static"})
    assert relaxed["SECURE_PROXY_SSL_HEADER"] is None  # X-Forwarded-Proto is not trusted
    assert relaxed["SECURE_SSL_REDIRECT"] is False and relaxed["SECURE_HSTS_SECONDS"] == 0
    assert relaxed["SESSION_COOKIE_SECURE"] is False and relaxed["CSRF_COOKIE_SECURE"] is False
    assert relaxed["STATIC_ROOT"] == "/srv/static"


PROXIED = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
           "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
           "SECURE_HSTS_SECONDS": 31_536_000}


def _login_through_the_proxy(org, port=8443):
    """The browser at https://<org host>:<port>; the app hears plain HTTP from the proxy."""
    host = f"{host_of(org)}:{port}"
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
    form = client.get("/accounts/login/")
    assert form.status_code == 200
    token = client.cookies["csrftoken"].value
    return client.post("/accounts/login/",
                       {"username": owner_of(org).email, "password": PASSWORD,
                        "csrfmiddlewaretoken": token},
                       HTTP_ORIGIN=f"https://{host}", HTTP_REFERER=f"https://{host}/accounts/login/")


@override_settings(**PROXIED)
def test_login_form_posts_pass_csrf_on_every_org_host_behind_the_proxy(org_a, org_b):
    for org in (org_a, org_b):
        response = _login_through_the_proxy(org)
        assert response.status_code == 302, response.content.decode()[:500]
        assert response["Location"] == "/"
        assert response.cookies["sessionid"]["secure"]
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@override_settings(**{**PROXIED, "SECURE_PROXY_SSL_HEADER": None, "SECURE_SSL_REDIRECT": False})
def test_without_trusting_the_proxy_the_same_post_is_refused_with_the_branded_page(org_a):
    response = _login_through_the_proxy(org_a)
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


@override_settings(**PROXIED)
def test_plain_http_is_redirected_to_https_except_the_health_check(org_a):
    client = Client(HTTP_HOST=host_of(org_a))
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == f"https://{host_of(org_a)}/accounts/login/"
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("header", ["http", ""])
@override_settings(**PROXIED)
def test_a_forwarded_proto_other_than_https_is_not_secure(org_a, header):
    client = Client(HTTP_HOST=host_of(org_a), HTTP_X_FORWARDED_PROTO=header)
    assert client.get("/accounts/login/").status_code == 301
