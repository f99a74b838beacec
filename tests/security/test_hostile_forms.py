"""Issue 13 §4 for form posts: hostile bodies to HTML form endpoints are a 400 or a form error,
never a 500 (the API and webhook parsers have their own tests next to them)."""

from __future__ import annotations

import pytest

PAGES = ["/accounts/login/", "/settings/integrations/salesforce/trigger",
         "/settings/integrations/salesforce/webhook-fallback"]
MULTIPART = "multipart/form-data; boundary=xyz"


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("name", "body", "content_type"), [
    ("truncated multipart", b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb",
     MULTIPART),
    ("multipart without boundary", b"--xyz\r\n\r\n", "multipart/form-data"),
    ("too many fields", "&".join(f"f{i}=1" for i in range(5_000)).encode(),
     "application/x-www-form-urlencoded"),
    ("NUL and bad UTF-8", b"username=a%00b&password=%ff%fe&trigger_mode=%00&allow=%ff",
     "application/x-www-form-urlencoded"),
    ("nested brackets", b"a" + b"[" * 50_000 + b"=1", "application/x-www-form-urlencoded"),
])
def test_hostile_form_posts_are_never_a_500(client_a, path, name, body, content_type):
    response = client_a.generic("POST", path, body, content_type=content_type)
    assert response.status_code < 500, (name, response.status_code)
