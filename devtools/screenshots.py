"""README screenshots from the seeded demo organization, in headless Chromium.

    .venv/bin/python -m devtools.screenshots

Uses its own database (``platform_screens``, next to the benchmarks' one), seeds the demo org
exactly as ``make run`` does (``manage.py seed_demo``), serves the app on a loopback port and
writes ``docs/images/dashboard.png`` (the org home as its owner) and ``docs/images/api-docs.png``
(the Swagger page on the public host).
"""

from __future__ import annotations

import os
import threading

from benchmarks.common import ROOT, setup

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"


def serve():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(WSGIHandler()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    setup("platform_screens")
    from django.core.management import call_command
    from playwright.sync_api import sync_playwright

    from host.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_SLUG
    from tenants.models import Organization

    for old in Organization.objects.filter(slug=DEMO_SLUG):  # this database's only: fresh dates
        old.delete(force_drop=True)
    call_command("seed_demo")
    server = serve()
    port = server.server_port
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            base = f"http://acme.localhost:{port}"
            page.goto(base + "/accounts/login/")
            page.get_by_label("Email").fill(DEMO_EMAIL)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state("networkidle")
            page.get_by_role("heading", name="Latest answers").scroll_into_view_if_needed()
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(IMAGES / "dashboard.png"), full_page=True)
            page.goto(f"http://localhost:{port}/api/v1/docs/")
            page.wait_for_selector(".opblock", timeout=30_000)
            page.screenshot(path=str(IMAGES / "api-docs.png"))
            browser.close()
    finally:
        server.shutdown()
    print(f"wrote {IMAGES / 'dashboard.png'} and {IMAGES / 'api-docs.png'}")


if __name__ == "__main__":
    main()
