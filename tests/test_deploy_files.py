"""docker-compose.yml and Procfile stay valid and point at real entry points."""

import importlib
import re

import yaml

from tests.conftest import ROOT


def test_compose_file_defines_the_stack():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "gunicorn host.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A host worker")
    assert services["beat"]["command"].startswith("celery -A host beat")
    env = services["web"]["environment"]
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS",
                 "SALESFORCE_REDIRECT_URI", "EMAIL_URL"):
        assert name in env
    assert env["SALESFORCE_REDIRECT_URI"].startswith("https://")


def test_procfile_processes_use_importable_entry_points():
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines()
                 if line.strip())
    assert set(lines) == {"release", "web", "worker", "beat"}
    module = re.search(r"gunicorn (\S+):(\w+)", lines["web"])
    assert hasattr(importlib.import_module(module.group(1)), module.group(2))
    assert "%(U)s" in lines["web"] and "%(r)s" not in lines["web"]  # no query strings in logs
    assert importlib.import_module("host").celery_app.main == "host"
