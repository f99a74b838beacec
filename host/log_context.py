"""Logging filters: every line names its organization; secrets never reach a log line.

One ``redact`` for every place a URL or header can be written down: log records (the filters
below, on Django's handlers, which workers and beat use too), Django's error reports
(``RedactingExceptionReporter``) and gunicorn's access log (``host.gunicorn_logging``).
"""

from __future__ import annotations

import logging
import re

from django.db import connection
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

SECRET_PARAMS = ("token", "secret", "code", "state", "access_token", "refresh_token", "api_key")
_QUERY_SECRET_RE = re.compile(
    r"(?i)(?<![\w-])((?:" + "|".join(SECRET_PARAMS) + r")=)[^&\s\"']*"
)
_BEARER_RE = re.compile(r"(?i)(bearer\s+|dem_)[A-Za-z0-9._~+/=-]{6,}")
# Survey and unsubscribe links carry the sending's token in the path: /s/<token>[/unsubscribe].
_SURVEY_PATH_RE = re.compile(r"(/s/)[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    """Replace secret query parameters, survey-link tokens and bearer tokens/API keys in
    ``text`` with ``[redacted]``."""
    text = _QUERY_SECRET_RE.sub(r"\1[redacted]", text)
    text = _SURVEY_PATH_RE.sub(r"\1[redacted]", text)
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


class RedactingReporterFilter(SafeExceptionReporterFilter):
    """Hides frame variables and query parameters named like secrets (``token``, ``secret``,
    ``key``...: Django's own pattern for settings) besides what Django already hides."""

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute if self.hidden_settings.search(name) else value)
                for name, value in super().get_traceback_frame_variables(request, tb_frame)]


class RedactingExceptionReporter(ExceptionReporter):
    """Django's error report (the admins' email, the DEBUG page) with every secret redacted:
    the URL, headers and frame variables all print the request's path and query."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if "request_GET_items" in data:
            data["request_GET_items"] = [
                (key, self.filter.cleansed_substitute
                 if self.filter.hidden_settings.search(key) or key in SECRET_PARAMS else value)
                for key, value in data["request_GET_items"]]
        return data

    def get_traceback_html(self):
        return redact(str(super().get_traceback_html()))

    def get_traceback_text(self):
        return redact(str(super().get_traceback_text()))
