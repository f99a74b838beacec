"""Settings for the webhook benchmark's gunicorn: the product's, plus a reference route.

Only the benchmark uses this module (``DJANGO_SETTINGS_MODULE=benchmarks.webhook_settings``);
the product's URLs are unchanged.
"""

import os

from host.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.webhook_urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405 - keep per-request INFO lines out of the figures

if os.environ.get("WEBHOOK_BENCH_PROPOSED") == "1":
    # The Celery settings proposed for host/settings.py: no result-backend subscription per
    # enqueue (nobody reads these results) and a short publish retry when Redis is down.
    CELERY_TASK_IGNORE_RESULT = True
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0,
                                        "interval_step": 0.2, "interval_max": 0.2}
