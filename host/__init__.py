"""The platform host: settings, URLs, Celery, the plugin manager and the shared models.

Named ``host`` rather than ``platform``: a top-level ``platform`` package would shadow Python's
standard-library module (``uuid`` imports it), and Django could not even start.
"""

from host.celery_app import app as celery_app

__all__ = ["celery_app"]
