"""gunicorn's logger with secrets redacted: ``--logger-class host.gunicorn_logging.RedactingLogger``.

The access log writes the request path and query, the Referer and any header a format names;
survey and unsubscribe tokens live in paths (``/s/<token>``), webhook secrets and OAuth codes
in queries. Every value goes through the platform's one ``redact`` before formatting.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from host.log_context import RedactSecretsFilter, redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in atoms.items()}

    def setup(self, cfg):
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            logger.addFilter(RedactSecretsFilter())
