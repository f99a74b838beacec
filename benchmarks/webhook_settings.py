"""Settings for the webhook benchmark's gunicorn: the product's, plus a reference route.

Only the benchmark uses this module (``DJANGO_SETTINGS_MODULE=benchmarks.webhook_settings``);
the product's URLs are unchanged.
"""

from host.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.webhook_urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405 - keep per-request INFO lines out of the figures

