"""The API docs page in headless Chromium, on the public host and on an org host: Swagger UI draws
every operation from the schema, with no console error and no request to another origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.api.test_schema import OPERATIONS
from tests.browser import chromium_page, screenshot
from tests.conftest import host_of

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def test_docs_page_shows_every_operation_in_chromium(http_server, committed_org):
    org_host = host_of(committed_org("apidocs"))
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        problems, origins = [], set()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: origins.add(urlsplit(r.url).netloc)
                if urlsplit(r.url).scheme in ("http", "https") else None)
        for host in ("localhost", org_host):
            origins.clear()
            page.goto(http_server.url(host, "/api/v1/docs/"))
            expect(page.locator(".opblock")).to_have_count(len(OPERATIONS))
            expect(page.locator("#operations-Sequences-executeSequence")).to_contain_text(
                "/api/v1/sequences/{sequence_id}/execute")
            expect(page.get_by_role("button", name="Authorize")).to_be_visible()
            assert origins == {f"{host}:{http_server.port}"}
        page.locator("#operations-Sequences-executeSequence .opblock-summary-control").click()
        operation = page.locator("#operations-Sequences-executeSequence")
        expect(operation).to_contain_text("Required scope: sequences:execute")
        expect(operation).to_contain_text("x-required-scope")
        expect(operation).to_contain_text("john.doe@example.com")  # the docs' example body
        expect(operation.locator(".opblock-description-wrapper strong")).to_have_text(
            "Required scope:")  # Markdown rendered, not printed raw
        page.get_by_role("button", name="Authorize").click()
        dialog = page.locator(".dialog-ux")
        expect(dialog).to_contain_text("ApiKeyHeader")
        expect(dialog).to_contain_text("X-API-Key")
        expect(dialog).to_contain_text("BearerAuth")
        page.locator(".dialog-ux .close-modal").click()
        operation.scroll_into_view_if_needed()
        screenshot(page, "api-docs")
        assert problems == []
