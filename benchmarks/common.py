"""Benchmark plumbing: a dedicated database, Django set up, and one result line per figure."""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH "


def setup(database: str = "platform_bench") -> None:
    """Point Django at a benchmark database (never the dev one) and migrate it."""
    sys.path.insert(0, str(ROOT))
    from devtools import devstack

    if not os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = devstack.ensure_postgres(database)
    else:
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    for key, value in devstack.dev_environment(database).items():
        os.environ.setdefault(key, value)
    # Its own Redis database: messages it enqueues never reach a development worker.
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL") or (
        os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/4")
    os.environ["DEBUG"] = "false"
    # Plain HTTP on loopback, no TLS proxy in front and no collectstatic: production's HTTPS
    # redirect and hashed static names are off for the figures (gunicorn children inherit this).
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ["DJANGO_SETTINGS_MODULE"] = "host.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    from django.core.management import call_command

    call_command("setup_platform", verbosity=0)


def report(name: str, value: float, unit: str, target: str = "", note: str = "") -> None:
    """Print a figure (also as a machine-readable line for ``make bench``'s table)."""
    print(f"{name}: {value:,.3f} {unit}" + (f"  (target {target})" if target else "")
          + (f"  {note}" if note else ""))
    print(RESULT_PREFIX + json.dumps({"name": name, "value": value, "unit": unit,
                                      "target": target, "note": note}), flush=True)


def median(values) -> float:
    return statistics.median(values)


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    """A loopback port nobody listens on now (for a server the benchmark starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
