"""Headless Debian Chromium driven by Playwright's sync API, for the browser tests."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

from tests.conftest import PASSWORD, ROOT

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
# Without the background-networking flags Chromium keeps calling hosts this machine cannot reach.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def chromium_page(timeout_ms: int = 30_000):
    """A fresh page in a fresh headless browser. Do no ORM work inside: Django would open a
    connection on Playwright's event loop thread that is never closed."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(timeout_ms)
            yield page
        finally:
            browser.close()
            wait_for_server_threads()


def log_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def screenshot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for_server_threads(timeout: float = 10.0) -> None:
    """Let the live server finish the browser's keep-alive requests (and close their database
    connections) before the session's test database is dropped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
            "process_request_thread" in t.name for t in threading.enumerate()):
        time.sleep(0.05)
