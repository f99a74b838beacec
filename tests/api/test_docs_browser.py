"""The API docs page in headless Chromium, on the public host and on an org host: Swagger UI draws
every operation from the schema, with no console error, no request to another origin, and no
violation of a strict Content-Security-Policy (added to the page's response here until the site
sends one itself)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from api import keys
from tests.api.test_schema import OPERATIONS
from tests.browser import ARTIFACTS, chromium_page, screenshot
from tests.conftest import host_of

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
REPORT_VIOLATIONS = ("document.addEventListener('securitypolicyviolation', e => console.error("
                     "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")


def _with_strict_csp(route):
    """Serve the page with the policy; fetched from 127.0.0.1 with its Host, as Playwright's own
    client (unlike Chromium) cannot resolve ``*.localhost``."""
    url = urlsplit(route.request.url)
    response = route.fetch(url=url._replace(netloc=f"127.0.0.1:{url.port}").geturl(),
                           headers={**route.request.headers, "host": url.netloc})
    route.fulfill(response=response,
                  headers={**response.headers, "content-security-policy": STRICT_CSP})


def test_docs_page_shows_every_operation_in_chromium(http_server, committed_org):
    org = committed_org("apidocs")
    org_host = host_of(org)
    key = keys.create_key(org, "docs page", ["sequences:read"]).plaintext
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 1100})
        problems, origins = [], set()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: origins.add(urlsplit(r.url).netloc)
                if urlsplit(r.url).scheme in ("http", "https") else None)
        page.route("**/api/v1/docs/", _with_strict_csp)
        page.add_init_script(REPORT_VIOLATIONS)
        for host in ("localhost", org_host):
            origins.clear()
            response = page.goto(http_server.url(host, "/api/v1/docs/"))
            assert response.headers["content-security-policy"] == STRICT_CSP
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
        operation.evaluate("node => window.scrollTo(0, node.offsetTop - 300)")
        page.screenshot(path=str(ARTIFACTS / "api-docs-viewport.png"))  # docs/images/api-docs.png
        page.get_by_role("button", name="Authorize").click()
        dialog = page.locator(".dialog-ux")
        expect(dialog).to_contain_text("ApiKeyHeader")
        expect(dialog).to_contain_text("X-API-Key")
        expect(dialog).to_contain_text("BearerAuth")
        api_key_form = dialog.locator(".auth-container").filter(has_text="ApiKeyHeader")
        api_key_form.locator("input").fill(key)
        api_key_form.get_by_role("button", name="Apply credentials").click()
        page.locator(".dialog-ux .close-modal").click()
        listed = page.locator("#operations-Sequences-listSequences")
        listed.locator(".opblock-summary-control").click()
        listed.get_by_role("button", name="Try it out").click()
        listed.get_by_role("button", name="Execute").click()  # the key, sent by Swagger UI
        expect(listed.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
        expect(listed.locator(".live-responses-table")).to_contain_text('"data": []')
        screenshot(page, "api-docs")
        assert problems == []
