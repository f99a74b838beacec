"""Logging filters: every line names its organization; secrets never reach a log line."""

from __future__ import annotations

import logging
import re

from django.db import connection

SECRET_PARAMS = ("token", "secret", "code", "state", "access_token", "refresh_token", "api_key")
_QUERY_SECRET_RE = re.compile(
    r"(?i)([?&](?:" + "|".join(SECRET_PARAMS) + r")=)[^&\s\"']*"
)
_BEARER_RE = re.compile(r"(?i)(bearer\s+|dem_)[A-Za-z0-9._~+/=-]{6,}")


def redact(text: str) -> str:
    """Replace secret query parameters and bearer tokens/API keys in ``text`` with ``[redacted]``."""
    text = _QUERY_SECRET_RE.sub(r"\1[redacted]", text)
    return _BEARER_RE.sub(r"\1[redacted]", text)


class OrgContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "org"):
            record.org = getattr(connection, "schema_name", "-") or "-"
        return True


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
