"""The production configuration, booted for real: the built wheel in its own venv, the Procfile's
processes with the documented environment, behind nginx terminating TLS on loopback.

Nothing here imports the checkout into the stack: the processes run from a directory outside it,
on a venv where the project is installed from its wheel (non-editable), so a template or static
file missing from the wheel, or a setting that only works in development, fails the walk.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT

NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
PROCFILE = ROOT / "Procfile"
VENV_CACHE = ROOT / ".dev" / "prod-venv"


def find_nginx() -> str:
    path = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if path is None:
        raise RuntimeError("nginx is not installed: the production walk needs it as its TLS proxy "
                           "(`apt-get install nginx`; .ci/run installs it).")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(argv, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(map(str, argv))} failed ({result.returncode}):\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def build_wheel(out: Path) -> Path:
    """``pip wheel`` of the checkout's files (tracked, or new and not ignored), copied first: an
    in-tree build reuses ``build/lib``, where a file deleted from the source would live on."""
    source = out / "source"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                 cwd=ROOT).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)])
    return next(out.glob("*.whl"))


def production_venv(wheel: Path) -> tuple[Path, dict[str, float]]:
    """A venv with the wheel installed non-editable. Its dependencies are cached under ``.dev/``
    keyed by setup.cfg (30 s from pip's cache); the wheel itself is reinstalled on every run."""
    timings = {}
    key = hashlib.sha256((ROOT / "setup.cfg").read_bytes()).hexdigest()[:16]
    venv = VENV_CACHE / key
    python = venv / "bin" / "python"
    started = time.monotonic()
    if not (venv / ".complete").exists():
        shutil.rmtree(VENV_CACHE, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(python), "-m", "pip", "install", "-q", str(wheel)])
        (venv / ".complete").touch()
        timings["venv_created_s"] = time.monotonic() - started
    else:
        run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
             str(wheel)])
        timings["wheel_reinstalled_s"] = time.monotonic() - started
    return venv, timings


def procfile() -> dict[str, str]:
    return dict((name.strip(), command.strip()) for name, command in (
        line.split(":", 1) for line in PROCFILE.read_text().splitlines() if line.strip()))


def as_installed(command: str) -> str:
    """The Procfile runs ``python manage.py``; an installed wheel has no manage.py, and
    ``django-admin`` with ``DJANGO_SETTINGS_MODULE`` is the same command."""
    return re.sub(r"\bpython manage\.py\b", "django-admin", command)


def render_nginx(template: str, **values: str) -> str:
    """envsubst, restricted to the given names (nginx's own ``$variables`` stay)."""
    def substitute(match):
        return values[match.group(1)]
    rendered = re.sub(r"\$\{(" + "|".join(map(re.escape, values)) + r")\}", substitute, template)
    left = re.findall(r"\$\{\w+\}", rendered)
    if left:
        raise ValueError(f"deploy/nginx.conf uses variables the renderer does not know: {left}")
    return rendered


def nginx_main_config(workdir: Path, server_conf: Path) -> str:
    """The process-level wrapper a distribution's nginx.conf provides, here as an unprivileged
    process writing under ``workdir``; the app's proxy config is the included server block."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"  {kind}_temp_path {workdir}/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {workdir}/nginx.pid;\n"
            f"error_log {workdir}/error.log warn;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n  access_log {workdir}/access.log;\n{temp}\n"
            f"  include {server_conf};\n}}\n")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Stack:
    workdir: Path
    venv: Path
    env: dict[str, str]
    https_port: int
    app_port: int
    processes: list[Process] = field(default_factory=list)

    def admin(self, *args: str) -> subprocess.CompletedProcess:
        return run([str(self.venv / "bin" / "django-admin"), *args], cwd=self.workdir, env=self.env)

    def start(self, name: str, argv: list[str]) -> Process:
        log = self.workdir / f"{name}.log"
        handle = open(log, "w")  # noqa: SIM115 - closed when the stack stops
        popen = subprocess.Popen(argv, cwd=self.workdir, env=self.env, stdout=handle,  # noqa: S603
                                 stderr=subprocess.STDOUT, start_new_session=True)
        handle.close()
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def start_procfile(self, name: str) -> Process:
        return self.start(name, ["/bin/sh", "-c", "exec " + as_installed(procfile()[name])])

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def check_alive(self) -> None:
        dead = [p for p in self.processes if p.popen.poll() is not None]
        if dead:
            raise RuntimeError("exited early:\n" + "\n".join(p.tail() for p in dead))

    def terminate(self, timeout: float) -> dict[str, float]:
        """SIGTERM to each main process, as a platform stops a release; seconds until each exited
        (``inf`` if it did not within ``timeout``)."""
        started = time.monotonic()
        for process in self.processes:
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        took = {}
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, timeout - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                took[process.name] = float("inf")
                continue
            # Its children too (gunicorn's workers, the worker's pool): the group must be empty.
            while _group_alive(process.popen.pid) and time.monotonic() - started < timeout:
                time.sleep(0.05)
            took[process.name] = (float("inf") if _group_alive(process.popen.pid)
                                  else time.monotonic() - started)
        return took

    def kill_leftovers(self) -> None:
        """After the assertions: nothing of the stack may outlive the test (process groups)."""
        for process in self.processes:
            try:
                os.killpg(process.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.popen.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def secret_key() -> str:
    return secrets.token_urlsafe(50)
