"""``make run`` and ``make test``: the embedded stack, the demo, and a small process supervisor.

    python -m devtools.dev run    # services, migrations, demo org, web + worker + beat + emulator
    python -m devtools.dev test   # services, then the whole test suite (extra args go to pytest)
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from devtools import devstack

ROOT = devstack.ROOT
PY = sys.executable


def _services_env(database: str, redis_db: int = 0) -> tuple[dict[str, str], list[str]]:
    """Start what is missing; return the environment and the services this call started."""
    started = []
    if not os.environ.get("DATABASE_URL") and not (devstack.DEV_DIR / "pgdata/postmaster.pid").exists():
        started.append("postgres")
    if not os.environ.get("REDIS_URL") and not devstack.redis_alive():
        started.append("redis")
    env = {**os.environ, **devstack.dev_environment(database)}
    if "REDIS_URL" not in os.environ and redis_db:
        env["REDIS_URL"] = env["REDIS_URL"].rsplit("/", 1)[0] + f"/{redis_db}"
    return env, started


def _stop_services(started: list[str]) -> None:
    if "postgres" in started:
        devstack.stop_postgres()
    if "redis" in started:
        cli = str(Path(devstack.redis_server_binary()).with_name("redis-cli"))
        subprocess.run([cli, "-p", str(devstack.redis_port()), "shutdown", "nosave"],  # noqa: S603
                       capture_output=True, check=False)


# What ``manage.py`` in another terminal needs to reach the same stack as ``make run``.
ENV_FILE_KEYS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "DEBUG",
                 "EMAIL_URL", "PORT", "PLATFORM_DOMAIN", "ORG_URL_SCHEME", "ORG_URL_PORT",
                 "SALESFORCE_LOGIN_URL", "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET",
                 "SALESFORCE_REDIRECT_URI", "HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET",
                 "HUBSPOT_AUTH_URL", "HUBSPOT_API_URL", "HUBSPOT_REDIRECT_URI")


def write_env_file(env: dict[str, str], path: Path | None = None) -> Path:
    """Write the development environment to ``.dev/env`` (mode 600; it holds the dev secrets).

    ``manage.py`` loads it for variables the shell does not set, so the README's commands work
    in a second terminal; ``set -a; . .dev/env`` works too (values are shell-quoted).
    """
    path = path or devstack.DEV_DIR / "env"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={shlex.quote(env[key])}" for key in ENV_FILE_KEYS if key in env]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("# Written by `make run` (devtools/dev.py); read by manage.py. Development only.\n")
        out.write("\n".join(lines) + "\n")
    path.chmod(0o600)  # also when the file existed with wider permissions
    return path


def _manage(env, *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def run() -> int:
    env, started = _services_env("platform")
    port = env.get("PORT", "8000")
    env.update({k: v for k, v in _emulator_defaults(port).items() if not os.environ.get(k)})
    env.update({k: v for k, v in _hubspot_defaults(port).items() if not os.environ.get(k)})
    env.setdefault("PORT", port)
    write_env_file(env)
    try:
        _manage(env, "setup_platform", "-v", "0")
        _manage(env, "seed_demo")
        commands = {
            "web": [PY, "manage.py", "runserver", f"127.0.0.1:{port}"],
            "worker": [PY, "-m", "celery", "-A", "host", "worker", "-l", "info",
                       "--concurrency", "2", "-Q", "delivery,default,pushback,sync"],
            "beat": [PY, "-m", "celery", "-A", "host", "beat", "-l", "info",
                     "-s", str(devstack.DEV_DIR / "celerybeat-schedule")],
        }
        if _has_emulator():
            commands["emulator"] = [
                PY, "-m", "devtools.salesforce_emulator", "--host", "127.0.0.1",
                "--port", env["EMULATOR_PORT"], "--seed", "demo",
                "--redirect-uri", env["SALESFORCE_REDIRECT_URI"],
                "--client-id", env["SALESFORCE_CLIENT_ID"],
                "--client-secret", env["SALESFORCE_CLIENT_SECRET"],
            ]
        if _has_hubspot_emulator():
            commands["hubspot-emulator"] = _hubspot_command(env, port)
        return Supervisor(commands, env).run_until_stopped()
    finally:
        _stop_services(started)


def _has_emulator() -> bool:
    return (ROOT / "devtools/salesforce_emulator/__main__.py").exists()


def _emulator_defaults(port: str) -> dict[str, str]:
    """Point the demo's Salesforce settings at the local emulator (user settings win)."""
    emulator_port = os.environ.get("EMULATOR_PORT", "8765")
    if not _has_emulator():
        return {}
    return {
        "EMULATOR_PORT": emulator_port,
        "SALESFORCE_LOGIN_URL": f"http://127.0.0.1:{emulator_port}",
        "SALESFORCE_CLIENT_ID": "demo-client-id",
        "SALESFORCE_CLIENT_SECRET": "demo-client-secret",
        "SALESFORCE_REDIRECT_URI": f"http://localhost:{port}/oauth/salesforce/callback",
    }


def _has_hubspot_emulator() -> bool:
    return (ROOT / "devtools/hubspot_emulator/__main__.py").exists()


def _hubspot_defaults(port: str) -> dict[str, str]:
    """Point the platform's HubSpot settings at the local HubSpot emulator (one host serves the
    authorize page and the API), so the demo's *Connect HubSpot* works offline."""
    if not _has_hubspot_emulator():
        return {}
    from devtools.hubspot_emulator import CLIENT_ID, CLIENT_SECRET

    hs_port = os.environ.get("HUBSPOT_EMULATOR_PORT") or str(
        int(os.environ.get("EMULATOR_PORT", "8765")) + 1)
    base = f"http://127.0.0.1:{hs_port}"
    return {"HUBSPOT_EMULATOR_PORT": hs_port, "HUBSPOT_AUTH_URL": base, "HUBSPOT_API_URL": base,
            "HUBSPOT_CLIENT_ID": CLIENT_ID, "HUBSPOT_CLIENT_SECRET": CLIENT_SECRET,
            "HUBSPOT_REDIRECT_URI": f"http://localhost:{port}/oauth/hubspot/callback"}


def _hubspot_command(env: dict[str, str], port: str) -> list[str]:
    """The emulator with the platform's app credentials, callback, and app-level webhook URL
    (the public host's ``/api/v1/integrations/hubspot/webhook``)."""
    return [PY, "-m", "devtools.hubspot_emulator", "--host", "127.0.0.1",
            "--port", env["HUBSPOT_EMULATOR_PORT"], "--seed", "demo",
            "--redirect-uri", env["HUBSPOT_REDIRECT_URI"],
            "--client-id", env["HUBSPOT_CLIENT_ID"],
            "--client-secret", env["HUBSPOT_CLIENT_SECRET"],
            "--webhook-url", f"http://{env.get('PLATFORM_DOMAIN') or 'localhost'}:{port}"
            "/api/v1/integrations/hubspot/webhook"]


def test(args: list[str]) -> int:
    env, started = _services_env("platform", redis_db=1)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / ".dev" / "test-plugins"), env.get("PYTHONPATH", "")) if p
    )
    try:
        return subprocess.call([PY, "-m", "pytest", *args], cwd=ROOT, env=env)  # noqa: S603
    finally:
        _stop_services(started)


class Supervisor:
    """Runs children in their own process groups; stops them all on Ctrl-C, SIGTERM or a crash."""

    def __init__(self, commands: dict[str, list[str]], env: dict[str, str]):
        self.commands = commands
        self.env = env
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False

    def _signal(self, signum, frame):
        self.stopping = True

    def run_until_stopped(self) -> int:
        signal.signal(signal.SIGINT, self._signal)
        signal.signal(signal.SIGTERM, self._signal)
        for name, argv in self.commands.items():
            self.children[name] = subprocess.Popen(  # noqa: S603
                argv, cwd=ROOT, env=self.env, start_new_session=True
            )
            print(f"started {name} (pid {self.children[name].pid})", flush=True)
        code = 0
        while not self.stopping:
            for name, child in self.children.items():
                if child.poll() is not None:
                    print(f"{name} exited with {child.returncode}; stopping the rest", flush=True)
                    self.stopping, code = True, 1
                    break
            time.sleep(0.2)
        self.stop_all()
        return code

    def stop_all(self, grace: float = 10.0) -> None:
        for child in self.children.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for child in self.children.values():
            _signal_group(child, signal.SIGKILL)  # the group: reloader and pool children too
            child.wait()
        print("all processes stopped", flush=True)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    os.chdir(ROOT)
    sys.path.insert(0, str(Path(ROOT)))
    return run() if argv[0] == "run" else test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
