"""Cache keys and log lines carry the organization; secrets never reach a log line."""

from __future__ import annotations

import logging

from django.core.cache import cache

from host.log_context import OrgContextFilter, RedactSecretsFilter, redact


def test_cache_entries_are_per_org(org_a, org_b):
    with org_a:
        cache.set("greeting", "hello from A", 30)
    with org_b:
        assert cache.get("greeting") is None
        cache.set("greeting", "hello from B", 30)
    with org_a:
        assert cache.get("greeting") == "hello from A"
        cache.delete("greeting")
    with org_b:
        cache.delete("greeting")


def _record(message, *args):
    return logging.LogRecord("x", logging.INFO, __file__, 1, message, args, None)


def test_log_lines_name_the_org_schema(org_a):
    record = _record("hello")
    with org_a:
        OrgContextFilter().filter(record)
    assert record.org == org_a.schema_name


def test_secrets_in_query_strings_and_headers_are_redacted():
    line = ('"POST /api/v1/integrations/salesforce/webhook?token=s3cr3t-CANARY&x=1 HTTP/1.1" '
            "Authorization: Bearer dem_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG "
            "/oauth/salesforce/callback?code=aPrx.CANARY&state=CANARY2")
    cleaned = redact(line)
    assert "CANARY" not in cleaned and "s3cr3t" not in cleaned
    assert "dem_abcdef" not in cleaned
    assert "token=[redacted]&x=1" in cleaned
    record = _record("GET %s", "/s/x?secret=CANARY3")
    RedactSecretsFilter().filter(record)
    assert "CANARY3" not in record.getMessage()
