"""The README's commands work as written in a fresh shell: ``make run`` writes its environment to
``.dev/env`` and the checkout's ``manage.py`` loads it."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from devtools.dev import ENV_FILE_KEYS, write_env_file
from tests.conftest import ROOT, _drop, database_url


@pytest.fixture
def checkout(tmp_path):
    """A checkout's ``manage.py`` with its own ``.dev/``, so the developer's ``.dev/env`` (of a
    running ``make run``) is neither read nor overwritten."""
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    return tmp_path


def fresh_shell(checkout, *argv: str) -> subprocess.CompletedProcess:
    """``python manage.py ...`` in a new terminal: nothing but PATH (the activated .venv) and HOME."""
    env = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"]),
           "HOME": str(checkout)}
    return subprocess.run(["python", "manage.py", *argv], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_env_file_holds_the_dev_stack_settings_for_the_owner_only(tmp_path):
    env = {"DATABASE_URL": "postgres://postgres@/platform?host=/tmp/x y&z", "DEBUG": "true",
           "SECRET_KEY": "s3cret'\"$HOME", "PATH": "/not/written", "DEV_REDIS_PORT": "6401"}
    path = write_env_file(env, tmp_path / ".dev" / "env")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The same values back through a POSIX shell (`set -a; . .dev/env`), quoting included.
    shown = subprocess.run(["sh", "-c", f'set -a; . "{path}"; printf "%s\\n" "$DATABASE_URL" '
                                        '"$SECRET_KEY" "${PATH}"'],
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert shown.stdout.splitlines() == [env["DATABASE_URL"], env["SECRET_KEY"], "/usr/bin:/bin"]
    assert "DEV_REDIS_PORT" not in path.read_text()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "DEBUG",
            "EMAIL_URL", "SALESFORCE_LOGIN_URL", "SALESFORCE_CLIENT_ID",
            "SALESFORCE_CLIENT_SECRET", "SALESFORCE_REDIRECT_URI"} <= set(ENV_FILE_KEYS)


def test_readme_commands_work_in_a_second_terminal(checkout, django_db_setup, django_db_blocker):
    slug = f"fresh-{uuid.uuid4().hex[:8]}"
    create_org = ["create_org", slug, "--name", "Fresh Shell Inc.", "--owner-email",
                  f"owner@{slug}.example", "--owner-password", "correct-horse-battery-9"]

    # Without the development environment, the command fails the way the issue describes...
    refused = fresh_shell(checkout, *create_org)
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr

    # ...and with the file `make run` writes (pointed at the test database), it works.
    write_env_file({**os.environ, "DATABASE_URL": database_url()}, checkout / ".dev" / "env")
    created = fresh_shell(checkout, *create_org)
    from tenants.models import Organization

    with django_db_blocker.unblock():
        try:
            assert created.returncode == 0, created.stderr[-3000:]
            assert f"Created organization {slug}" in created.stdout
            org = Organization.objects.get(slug=slug)
            assert org.memberships.get(role="owner").user.email == f"owner@{slug}.example"

            key = fresh_shell(checkout, "create_api_key", slug, "--name", "CI",
                              "--scopes", "sequences:execute,contacts:read")
            assert key.returncode == 0, key.stderr[-3000:]
            plaintext = key.stdout.strip().splitlines()[-1]
            assert plaintext.startswith("dem_")
            from api import keys

            assert keys.find(plaintext).organization_id == org.pk
        finally:
            connection.set_schema_to_public()
            for org in Organization.objects.filter(slug=slug):
                _drop(org)


def test_a_variable_set_in_the_shell_wins_over_the_env_file(checkout):
    write_env_file({"SECRET_KEY": "from-the-file", "DEBUG": "true"}, checkout / ".dev" / "env")
    probe = ("import runpy, os, sys; sys.argv = ['manage.py', 'help']; "
             "m = runpy.run_path('manage.py'); m['load_dev_env'](); "
             "print(os.environ['SECRET_KEY'], os.environ['DEBUG'])")
    env = {"PATH": os.environ["PATH"], "SECRET_KEY": "from-the-shell"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=checkout, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["from-the-shell", "true"], result.stderr
