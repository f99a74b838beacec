"""Logging filters: every line names its organization; secrets never reach a log line.

Every line also carries the integration, Celery task id and request id of the work it belongs
to (``bind``/``update``: a context variable set by ``RequestContextMiddleware`` and the Celery
signals below), as fields of a JSON line (``JsonFormatter``, ``LOG_FORMAT=json``) or in the text
format.

One ``redact`` for every place a URL or header can be written down: log records (the filters
below, on Django's handlers, which workers and beat use too), Django's error reports
(``RedactingExceptionReporter``) and gunicorn's access log (``host.gunicorn_logging``).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import uuid
from datetime import UTC, datetime

from django.db import connection
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter
from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

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


CONTEXT_FIELDS = ("integration", "task_id", "request_id")
_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("log_context", default=None)
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@contextlib.contextmanager
def bind(**fields):
    """Add ``fields`` (of ``CONTEXT_FIELDS``) to every log line written inside the block."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def update(**fields) -> None:
    """Add ``fields`` for the rest of the current request or task (both reset the context)."""
    _context.set({**(_context.get() or {}), **fields})


def clear(**kwargs) -> None:
    """Forget the context (a request starts or ends: signal receivers)."""
    _context.set(None)


def current(name: str) -> str | None:
    return (_context.get() or {}).get(name)


class OrgContextFilter(logging.Filter):
    """Sets ``org`` (the active schema) and ``CONTEXT_FIELDS`` ("-" when unknown) on a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "org"):
            record.org = getattr(connection, "schema_name", "-") or "-"
        context = _context.get() or {}
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, context.get(name) or "-")
        return True


JSON_FIELDS = ("time", "level", "logger", "message", "org", "integration", "task_id",
               "request_id", "exc_info", "stack_info")


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per line with exactly ``JSON_FIELDS``: ``extra=`` attributes (Celery logs
    whole task messages in one) are left out, and tracebacks are redacted like messages."""

    def __init__(self, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(org)s "
                                 "%(integration)s %(task_id)s %(request_id)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level",
                                            "name": "logger"})
        super().__init__(**kwargs)

    def formatTime(self, record, datefmt=None) -> str:  # noqa: N802 - logging's name
        """ISO 8601 in UTC with milliseconds, e.g. ``2026-11-30T19:33:24.694+00:00``."""
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        for key in list(log_data):
            if key not in JSON_FIELDS:
                del log_data[key]
        for key in ("exc_info", "stack_info"):
            if isinstance(log_data.get(key), str):
                log_data[key] = redact(log_data[key])


class TextFormatter(logging.Formatter):
    """The text format (``LOG_FORMAT=text``), with redacted tracebacks."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return redact(super().formatException(ei))


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a plain token, else a new one."""
    if header and _REQUEST_ID_RE.match(header):
        return header
    return uuid.uuid4().hex


def capture_stray_output() -> None:
    """Python warnings, uncaught exceptions and "Exception ignored in ..." reports go through
    logging (one redacted JSON line each in production) instead of raw text on stderr."""
    import sys

    logging.captureWarnings(True)
    logger = logging.getLogger("python")

    def excepthook(kind, value, tb):
        logger.critical("uncaught exception", exc_info=(kind, value, tb))

    def unraisablehook(unraisable):
        logger.warning("exception ignored in %r: %s", unraisable.object, unraisable.err_msg or "",
                       exc_info=(unraisable.exc_type, unraisable.exc_value,
                                 unraisable.exc_traceback))

    sys.excepthook = excepthook
    sys.unraisablehook = unraisablehook


# --- Celery: task id and the publishing request's id on every line of a task ----------------------

REQUEST_ID_HEADER = "request_id"
_task_tokens: dict[str, contextvars.Token] = {}


def _publish_request_id(headers=None, **kwargs) -> None:
    request_id = current("request_id")
    if headers is not None and request_id:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


def _task_started(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None)
    fields = {"task_id": task_id}
    if request_id:
        fields["request_id"] = str(request_id)
    _task_tokens[task_id] = _context.set(fields)  # a task starts from a clean context


def _task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _context.reset(token)
        except ValueError:  # set in another context (should not happen); start clean
            _context.set({})


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_publish_request_id, weak=False)
    task_prerun.connect(_task_started, weak=False)
    task_postrun.connect(_task_finished, weak=False)


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
