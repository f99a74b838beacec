"""The one Celery app. Tenant-aware: a task runs in the schema of the org that enqueued it."""

from __future__ import annotations

import os

from celery.signals import beat_init, setup_logging
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "host.settings")

app = CeleryApp("host")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Workers and beat log through Django's LOGGING (the org tag and the secret-redaction filter)
# instead of Celery's own root handler, which would replace them.
app.conf.worker_hijack_root_logger = False


class TimeLimitsByQueue:
    """Soft and hard time limits for each task from its queue's settings (syncs long, deliveries
    short). A class, not a ``task_annotations`` dict: a dict's ``*`` entry would override
    per-task ones."""

    def annotate(self, task):
        from django.conf import settings

        queue = settings.CELERY_TASK_ROUTES.get(task.name, {}).get("queue", "default")
        soft = getattr(settings, f"{queue.upper()}_TASK_SOFT_TIME_LIMIT")
        return {"soft_time_limit": soft,
                "time_limit": soft + settings.TASK_HARD_TIME_LIMIT_GRACE}


app.conf.task_annotations = [TimeLimitsByQueue()]
app.autodiscover_tasks()


def _connect_observability() -> None:
    from host import log_context, metrics, worker_priority

    log_context.connect_celery_signals()  # task and request ids on every line of a task
    metrics.connect_celery_signals()  # task durations; publish times for the oldest task's age
    worker_priority.connect_celery_signals()  # a worker yields the CPU to the web


_connect_observability()


def _reuse_database_connections() -> None:
    """Tasks keep their database connection as requests do (``CONN_MAX_AGE``, health checks).

    Celery's Django fixup closes every connection before and after each task unless
    ``CELERY_DB_REUSE_MAX`` is set (settings set it out of reach); opening a PostgreSQL backend
    per task cost more than a webhook task's own work. ``close_old_connections`` at both ends
    is what Django does around a request: it drops a connection past its age or broken.
    """
    from celery.signals import task_postrun, task_prerun
    from django.db import close_old_connections

    def close_old(task=None, **kwargs) -> None:
        if not getattr(getattr(task, "request", None), "is_eager", False):  # eager: the caller's
            close_old_connections()

    task_prerun.connect(close_old, weak=False)
    task_postrun.connect(close_old, weak=False)


_reuse_database_connections()


@setup_logging.connect
def _use_django_logging(**kwargs) -> None:
    """Celery skips its own logging setup when this signal has a receiver."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)

    from host.log_context import capture_stray_output

    capture_stray_output()


@app.on_after_finalize.connect
def _register_periodic_tasks(sender, **kwargs) -> None:
    """Periodic work: the host's own plus what plugins declare (``platform_periodic_tasks``)."""
    from django.conf import settings

    from host.hooks import platform

    schedule: dict = {
        "host.sweep_pending_events": {"task": "host.sweep_pending_events", "schedule": 60.0},
        "host.beat_heartbeat": {"task": "host.beat_heartbeat", "schedule": 60.0},
        "host.sweep_stuck_syncs": {"task": "host.sweep_stuck_syncs", "schedule": 60.0},
        # Every SYNC integration's scheduled sync, in the orgs where it is due (host.schedule).
        "host.sync_all": {"task": "host.sync_all", "schedule": 60.0},
        "host.push_all": {"task": "host.push_all", "schedule": 60.0},  # pushback that came due
        # Retention (README "Retention"): expired rows that hold contact data or secrets.
        "host.purge_expired_oauth_states": {"task": "host.purge_expired_oauth_states",
                                            "schedule": 3600.0},
        "api.purge_expired_idempotency_records": {
            "task": "api.purge_expired_idempotency_records", "schedule": 3600.0},
        # Event logs, timelines, written pushback and sync runs past their age (README).
        "host.purge_old_rows": {"task": "host.purge_old_rows", "schedule": 86400.0},
        # API key usage counted in Redis (api/usage.py), written to the keys' rows.
        "api.flush_key_usage": {"task": "api.flush_key_usage",
                                "schedule": float(settings.API_KEY_USAGE_FLUSH_SECONDS)},
    }
    schedule.update(platform.platform_periodic_tasks())
    for name, entry in schedule.items():
        sender.add_periodic_task(entry["schedule"], sender.signature(entry["task"]), name=name)


@beat_init.connect
def _first_heartbeat(sender, **kwargs) -> None:
    """Beat is alive from its start, not only after the first periodic heartbeat a minute on."""
    from host.liveness import write_beat_heartbeat

    try:
        write_beat_heartbeat()
    except Exception:  # noqa: BLE001, S110 - Redis may still be starting; the task retries it
        pass
