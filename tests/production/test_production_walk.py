"""The production configuration, walked in a browser over HTTPS.

The wheel built from this checkout, installed (non-editable) in its own venv and run from a
directory outside the checkout with ``DEBUG`` off and the documented production environment: the
image's collectstatic, the Procfile's release step, gunicorn, a Celery worker and beat, behind
nginx terminating TLS on loopback with ``deploy/nginx.conf``. The Salesforce emulator is the
operator-configured login host (``SALESFORCE_LOGIN_URL``). Headless Chromium logs in on an org
host, sees the stylesheet, connects Salesforce, syncs, and a Closed Won Outbound Message over
HTTPS creates a sending whose email links are ``https://``; then SIGTERM stops every process.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from urllib.parse import urlsplit

import pytest
import redis
import requests
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from devtools.salesforce_emulator import start_emulator
from tests.browser import ARGS, ARTIFACTS, CHROMIUM, log_in, screenshot
from tests.conftest import database_url
from tests.production import stack as prod
from tests.waiting import wait_for

SLUG, OWNER, PASSWORD = "walk", "owner@walk.example", "walk-password-4821"
SEQUENCE = "Post-purchase NPS"
DATABASE = "prod_walk"


def _admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _drop_database() -> None:
    _admin_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{DATABASE}'",  # noqa: S608
               f'DROP DATABASE IF EXISTS "{DATABASE}"')


def _redis_url() -> str:
    # make run uses /0, a serial test run /1, xdist workers /4 and up (tests/parallel.py)
    return settings.REDIS_URL.rsplit("/", 1)[0] + "/3"


def _tls(workdir):
    import trustme

    ca = trustme.CA(organization_name="Production walk test CA")
    cert = ca.issue_cert("localhost", "*.localhost", "127.0.0.1")
    paths = {name: workdir / name for name in ("ca.pem", "cert.pem", "key.pem")}
    ca.cert_pem.write_to_path(str(paths["ca.pem"]))
    cert.private_key_pem.write_to_path(str(paths["key.pem"]))
    cert.cert_chain_pems[0].write_to_path(str(paths["cert.pem"]))
    for pem in cert.cert_chain_pems[1:]:
        pem.write_to_path(str(paths["cert.pem"]), append=True)
    return paths


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    try:
        nginx = prod.find_nginx()
    except RuntimeError as exc:  # a missing nginx fails the walk, saying what to install
        pytest.fail(str(exc))
    timings: dict[str, float] = {}
    started = time.monotonic()
    workdir = tmp_path_factory.mktemp("production")
    assert not workdir.resolve().is_relative_to(prod.ROOT)
    wheel = prod.build_wheel(workdir / "dist")
    timings["wheel_built_s"] = time.monotonic() - started
    venv, venv_timings = prod.production_venv(wheel)
    timings.update(venv_timings)

    tls = _tls(workdir)
    https_port, http_port, app_port = prod.free_port(), prod.free_port(), prod.free_port()
    base_public = f"https://localhost:{https_port}"
    redirect_uri = f"{base_public}/oauth/salesforce/callback"
    emulator = start_emulator(port=0, redirect_uris=[redirect_uri], seed="demo", contacts=40,
                              opportunities=4)
    webhook_secret = prod.secret_key()
    from cryptography.fernet import Fernet

    # The documented production environment (README "Configuration" / "Deploy").
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "host.settings",
        "DEBUG": "false",
        "SECRET_KEY": prod.secret_key(),
        "DATABASE_URL": database_url(DATABASE),
        "REDIS_URL": _redis_url(),
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PLATFORM_DOMAIN": "localhost",
        "BEHIND_PROXY": "true",
        "ORG_URL_SCHEME": "https",
        "ORG_URL_PORT": str(https_port),
        "STATIC_ROOT": str(workdir / "static"),
        "EMAIL_URL": f"filemail:///{workdir / 'outbox'}",
        "DEFAULT_FROM_EMAIL": "surveys@walk.example",
        "SALESFORCE_LOGIN_URL": emulator.base_url,
        "SALESFORCE_CLIENT_ID": "demo-client-id",
        "SALESFORCE_CLIENT_SECRET": "demo-client-secret",
        "SALESFORCE_REDIRECT_URI": redirect_uri,
        "SALESFORCE_WEBHOOK_SECRET": webhook_secret,
        "PORT": str(app_port),
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "2",
    }
    stack = prod.Stack(workdir, venv, env, https_port, app_port)
    _drop_database()
    _admin_sql(f'CREATE DATABASE "{DATABASE}"')
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    # The emulator's Outbound Messages go to the proxy over HTTPS and must trust its CA.
    previous_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(tls["ca.pem"])
    try:
        step = time.monotonic()
        stack.admin("collectstatic", "--noinput", "-v", "0")  # what the image build does
        prod.run(["/bin/sh", "-c", prod.as_installed(prod.procfile()["release"])],
                 cwd=workdir, env=env)
        stack.admin("create_org", SLUG, "--name", "Walk Inc.", "--owner-email", OWNER,
                    "--owner-password", PASSWORD)
        stack.admin("shell", "-c", "from tenants.models import Organization\n"
                    "from plugins.sequences.demo import seed\n"
                    f"org = Organization.objects.get(slug='{SLUG}')\n"
                    "with org: print(seed(org))")
        timings["release_and_org_s"] = time.monotonic() - step

        step = time.monotonic()
        for name in ("web", "worker", "beat"):
            stack.start_procfile(name)
        server_conf = workdir / "platform.conf"
        server_conf.write_text(prod.render_nginx(
            prod.NGINX_TEMPLATE.read_text(), APP_UPSTREAM=f"127.0.0.1:{app_port}",
            HTTPS_PORT=str(https_port), HTTP_PORT=str(http_port), TLS_CERT=str(tls["cert.pem"]),
            TLS_KEY=str(tls["key.pem"])))
        main_conf = workdir / "nginx.conf"
        main_conf.write_text(prod.nginx_main_config(workdir, server_conf))
        stack.start("nginx", [nginx, "-p", str(workdir), "-c", str(main_conf),
                              "-g", "daemon off;"])

        def ready():
            stack.check_alive()
            try:
                response = requests.get(f"https://127.0.0.1:{https_port}/healthz?deep=1",
                                        headers={"Host": "localhost"}, verify=str(tls["ca.pem"]),
                                        timeout=5)
            except requests.RequestException:
                return None
            return response if response.status_code == 200 else None

        health = wait_for(ready, timeout=90, interval=0.5)
        timings["processes_ready_s"] = time.monotonic() - step
        stack.health = health.json()
        stack.tls, stack.emulator, stack.timings = tls, emulator, timings
        stack.webhook_secret, stack.http_port = webhook_secret, http_port
        yield stack
    except Exception:
        print(stack.logs())
        raise
    finally:
        stack.kill_leftovers()
        emulator.stop()
        if previous_bundle is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = previous_bundle
        _drop_database()
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        _keep_logs(workdir)
        timings["total_s"] = time.monotonic() - started
        print("production walk timings:", {k: round(v, 1) for k, v in timings.items()})


def _keep_logs(workdir) -> None:
    """Every process's log (and nginx's) in test-artifacts/, for a failure seen only in CI."""
    target = ARTIFACTS / "production-logs"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for log in workdir.glob("*.log"):
        shutil.copy(log, target / log.name)


def _https(stack, host: str, path: str, **kwargs) -> requests.Response:
    """``requests`` cannot resolve *.localhost: connect to 127.0.0.1, name the host in Host."""
    return requests.get(f"https://127.0.0.1:{stack.https_port}{path}",
                        headers={"Host": f"{host}:{stack.https_port}"}, timeout=10,
                        verify=str(stack.tls["ca.pem"]), allow_redirects=False, **kwargs)


def _mail_with(outbox, needle: str) -> str | None:
    for path in sorted(outbox.glob("*.log")) if outbox.exists() else []:
        text = path.read_text(errors="replace")
        if needle in text:
            return text
    return None


def test_health_answers_probes_on_any_host_over_plain_http(production):
    assert production.health == {"status": "ok", "database": "ok", "broker": "ok",
                                 "worker": "ok", "beat": "ok"}
    for host in ("localhost", "127.0.0.1", "unknown.example"):
        response = requests.get(f"http://127.0.0.1:{production.app_port}/healthz",
                                headers={"Host": host}, timeout=5, allow_redirects=False)
        assert response.status_code == 200, (host, response.status_code)
        assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    # Anything else over plain HTTP is sent to HTTPS, by the app and by the proxy.
    for port in (production.app_port, production.http_port):
        plain = requests.get(f"http://127.0.0.1:{port}/accounts/login/?next=/x",
                             headers={"Host": f"{SLUG}.localhost"}, timeout=5,
                             allow_redirects=False)
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://{SLUG}.localhost/accounts/login/?next=/x"
    for flag in ("--web", "--worker", "--beat"):
        production.admin("check_liveness", flag)


def test_the_production_stack_walked_over_https(production):
    emulator, port = production.emulator, production.https_port
    base = f"https://{SLUG}.localhost:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.set_default_timeout(30_000)
            stylesheets = []
            page.on("response", lambda r: stylesheets.append((r.url, r.status))
                    if r.request.resource_type == "stylesheet" else None)

            # Log in on the org host: the login form's POST passes CSRF behind the proxy.
            log_in(page, base, OWNER, PASSWORD)
            expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_visible()
            assert page.url.startswith(base + "/")
            # The stylesheet: served by the app (whitenoise) under its hashed name, and applied.
            assert stylesheets and all(status == 200 for _, status in stylesheets), stylesheets
            assert any(re.search(r"/static/host/site\.[0-9a-f]{12}\.css$", url)
                       for url, _ in stylesheets), stylesheets
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(246, 247, 249)"  # site.css's --bg, not the default white
            screenshot(page, "production-01-logged-in")

            # Connect Salesforce against the emulator; back on https://<org host>:<port>.
            page.goto(base + "/settings/integrations/salesforce")
            page.get_by_role("button", name="Connect Salesforce").click()
            page.get_by_role("button", name="Allow").click()
            expect(page.locator(".status").first).to_have_text("Connected")
            assert urlsplit(page.url)[:2] == ("https", f"{SLUG}.localhost:{port}"), page.url
            screenshot(page, "production-02-connected")

            # Sync Now imports the emulator's contacts (the worker runs it).
            page.get_by_role("button", name="Sync Now").click()
            expect(page.get_by_role("cell", name="Succeeded")).to_be_visible(timeout=60_000)
            row = page.get_by_role("row").filter(has_text="Succeeded").first
            created = int(row.get_by_role("cell").nth(3).inner_text())
            assert created > 0
            screenshot(page, "production-03-synced")

            # Closed Won events enroll into the sequence.
            page.get_by_label("both: Enable auto triggers and manual queue").check()
            page.get_by_label("Sequence to run").select_option(label=SEQUENCE)
            page.get_by_role("button", name="Save trigger mode").click()
            expect(page.get_by_label("both: Enable auto triggers and manual queue")).to_be_checked()
        finally:
            browser.close()

    # Salesforce's Outbound Message for a real opportunity won in Salesforce, over HTTPS.
    emulator.state.outbound.configure(
        endpoint_url=f"{base}/api/v1/integrations/salesforce/webhook"
                     f"?token={production.webhook_secret}", retry_base_seconds=0.5)
    deal = next(o for o in emulator.state.records("Opportunity", include_deleted=False)
                if not o["IsClosed"])
    emulator.state.update("Opportunity", deal["Id"], {"StageName": "Closed Won"})
    assert emulator.state.outbound.wait_settled(timeout=30)
    delivery = emulator.state.outbound.deliveries()[-1]
    assert delivery["delivered"] and delivery["last_status"] == 200, delivery

    mail = wait_for(lambda: _mail_with(production.workdir / "outbox", "/s/"), timeout=60)
    links = re.findall(r"\bhttps?://[^\s\"'<>]+", mail)
    survey = [link for link in links if "/s/" in link]
    assert survey and all(link.startswith(f"{base}/s/") for link in survey), survey
    assert not [link for link in links if link.startswith("http://")], links
    assert _https(production, f"{SLUG}.localhost", urlsplit(survey[0]).path).status_code == 200


def test_check_deploy_passes_for_the_installed_package(production):
    result = production.admin("check", "--deploy", "--fail-level", "WARNING")
    assert "no issues" in result.stdout


def test_sigterm_stops_every_process_within_30_seconds(production):
    took = production.terminate(timeout=30)
    production.timings.update({f"stop_{name}_s": seconds for name, seconds in took.items()})
    assert set(took) == {"web", "worker", "beat", "nginx"}
    assert all(seconds < 30 for seconds in took.values()), took
