"""Exit non-zero when a process is unhealthy: the compose health checks of web, worker and beat.

    django-admin check_liveness            # database and broker
    django-admin check_liveness --web      # this container's web server answers /healthz
    django-admin check_liveness --worker   # a Celery worker answers a ping
    django-admin check_liveness --beat     # beat's heartbeat is fresh (< 3 minutes)
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from host import liveness
from host.views.health import run_checks


class Command(BaseCommand):
    help = "Check the health of the web server, a Celery worker or beat; exit 1 when unhealthy."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--web", action="store_true", help="GET /healthz on 127.0.0.1:$PORT")
        which.add_argument("--worker", action="store_true", help="a Celery worker answers a ping")
        which.add_argument("--beat", action="store_true", help="beat's heartbeat is fresh")

    def handle(self, *args, **opts):
        if opts["web"]:
            checks = {"web": self._web()}
        elif opts["worker"]:
            checks = {"worker": liveness.check_worker(timeout=2.0)}
        elif opts["beat"]:
            checks = {"beat": liveness.check_beat()}
        else:
            checks = run_checks()
        self.stdout.write(json.dumps(checks))
        failing = [name for name, state in checks.items() if state != "ok"]
        if failing:
            raise CommandError(f"unhealthy: {', '.join(failing)}")

    @staticmethod
    def _web() -> str:
        url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  # nosec B310
                return "ok" if response.status == 200 else f"down: HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            return f"down: HTTP {exc.code}"
        except OSError as exc:
            return f"down: {type(exc).__name__}"
