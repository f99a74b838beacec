"""Start and kill real Celery worker processes on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

from django.conf import settings

from host.celery_app import app
from tests.conftest import ROOT, database_url


def start_worker(name: str, queues: str = "", pool: str = "solo", **env) -> subprocess.Popen:
    """A worker on ``queues`` (comma-separated; all when empty), with extra environment."""
    full_env = {**os.environ, "DATABASE_URL": database_url(), **env}
    log = open(ROOT / ".dev" / f"worker-{name}-{os.getpid()}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "host", "worker", "-l", "info", "--pool", pool,
         "--without-gossip", "--without-mingle", "--without-heartbeat",
         *(["-Q", queues] if queues else []), "-n", f"{name}-{os.getpid()}@%h"],
        cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker {name} exited; see {log.name}")
        replies = app.control.ping(timeout=0.5) or []
        if any(f"{name}-{os.getpid()}@" in key for reply in replies for key in reply):
            return proc
    raise RuntimeError(f"worker {name} did not answer ping")


def kill_hard(proc: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group: no cleanup, no acknowledgement."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_hard(proc)


@contextmanager
def only_new_workers():
    """Make the workers already running (e.g. the session's) stop consuming for a while, so a
    test's own worker is the one that picks up its tasks."""
    names = [name for reply in (app.control.ping(timeout=1) or []) for name in reply]
    for queue in settings.TASK_QUEUES if names else ():
        app.control.cancel_consumer(queue, destination=names, reply=True)
    try:
        yield
    finally:
        for queue in settings.TASK_QUEUES if names else ():
            app.control.add_consumer(queue, destination=names, reply=True)
