"""gunicorn's logger with secrets redacted: ``--logger-class host.gunicorn_logging.RedactingLogger``.

The access log writes the request path and query, the Referer and any header a format names;
survey and unsubscribe tokens live in paths (``/s/<token>``), webhook secrets and OAuth codes
in queries. Every value goes through the platform's one ``redact`` before formatting.

With ``LOG_FORMAT=json`` (the default when ``DEBUG`` is off, as in ``host/settings.py``) each
access line is one JSON object with fixed fields (the host, the request id the app sent back,
status, duration...) instead of ``--access-logformat``, and gunicorn's own lines are JSON too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import environ
from gunicorn.glogging import Logger

from host.log_context import JsonFormatter, RedactSecretsFilter, redact


def log_format() -> str:
    """``LOG_FORMAT`` with the settings' default, read before Django is set up (gunicorn's
    master configures its logger first)."""
    env = environ.Env()
    return env.str("LOG_FORMAT", default="text" if env.bool("DEBUG", default=False) else "json")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in atoms.items()}

    def setup(self, cfg):
        super().setup(cfg)
        self.json = log_format() == "json"
        for logger in (self.error_log, self.access_log):
            logger.addFilter(RedactSecretsFilter())
        if self.json:
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())
            for handler in self.access_log.handlers:
                handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp, req, environ, request_time):
        if not self.json:
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return None
        raw = self.atoms(resp, req, environ, request_time)

        def atom(name: str):
            return raw.get(name.lower() if name.startswith("{") else name, "-")

        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": "INFO",
            "logger": "gunicorn.access", "message": f'{atom("m")} {atom("U")} {atom("s")}',
            "host": atom("{host}i"), "remote_addr": atom("h"),
            "forwarded_for": atom("{x-forwarded-for}i"), "method": atom("m"),
            "path": atom("U"), "query": atom("q"), "protocol": atom("H"),
            "status": atom("s"), "bytes": atom("B"), "duration_ms": atom("M"),
            "request_id": atom("{x-request-id}o"),
        }
        self.access_log.info("%s", json.dumps(line, default=str))
        return None
