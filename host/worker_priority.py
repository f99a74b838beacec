"""A Celery worker's CPU priority below the web's (``WORKER_NICENESS``, default 10; 0 keeps it).

On a machine that runs both, a webhook sender (Salesforce times out and retries) and a user's
click should not wait behind a sync or a backlog of events: the work a queue holds can wait a
moment, an answer cannot. The worker's main process lowers its own priority when it starts, so
its pool's processes, forked after, inherit it.

Linux's autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``) weighs sessions
against each other first: ``nice`` then counts only among the processes of one session, and a
worker started in a session of its own (``setsid``, a supervisor that starts each program so)
would still compete with the web at full weight. Such a worker (it leads its session) lowers its
session's weight too (``/proc/self/autogroup``). A worker that shares a session with the web
leaves the session alone: that would lower the web as well. Containers and systemd services are
weighed by their cgroups instead (compose's ``cpu_shares``, systemd's ``CPUWeight``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
AUTOGROUP = Path("/proc/self/autogroup")


def lower(niceness: int) -> list[str]:
    """Lower this process's CPU priority by ``niceness``; return what was changed."""
    if niceness <= 0:
        return []
    os.nice(niceness)
    changed = [f"nice +{niceness}"]
    if os.getsid(0) == os.getpid() and AUTOGROUP.exists():
        try:
            AUTOGROUP.write_text(f"{niceness}\n")
            changed.append(f"session (autogroup) nice {niceness}")
        except OSError as exc:  # refused (a container: its cgroup's weight counts there instead)
            log.info("worker CPU priority: the session's weight is unchanged (%s)", exc)
    return changed


def connect_celery_signals() -> None:
    from celery.signals import celeryd_init

    def on_worker_init(**kwargs) -> None:
        from django.conf import settings

        changed = lower(settings.WORKER_NICENESS)
        if changed:
            log.info("worker CPU priority lowered below the web's: %s", ", ".join(changed))

    celeryd_init.connect(on_worker_init, weak=False, dispatch_uid="worker-priority")
