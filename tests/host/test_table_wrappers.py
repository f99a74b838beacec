"""Every table in the templates sits in a ``.table-scroll`` box: on a phone a wide table scrolls
inside it instead of widening the page (the browser walk in tests/e2e/test_small_screens.py
measures the pages it can reach; this covers every template, reachable or not)."""

from __future__ import annotations

import re

from tests.conftest import ROOT

WRAPPER = re.compile(r'<div class="table-scroll" role="region" aria-label(?:ledby)?="[^"]+" '
                     r'tabindex="0">\s*<table\b')


def test_every_table_is_wrapped_in_a_labelled_scroll_box():
    templates = [p for package in ("host", "tenants", "plugins", "api")
                 for p in (ROOT / package).glob("**/templates/**/*.html")
                 if "/admin/" not in p.as_posix()]  # the Django admin's own layout
    tables, unwrapped = 0, []
    for path in templates:
        text = path.read_text()
        found = len(re.findall(r"<table\b", text))
        tables += found
        if len(WRAPPER.findall(text)) != found:
            unwrapped.append(str(path.relative_to(ROOT)))
    assert tables >= 14
    assert unwrapped == [], "wrap each table in a labelled .table-scroll box"
