"""The Dockerfile, docker-compose.yml, .dockerignore and Procfile describe one production setup
that works: the same commands everywhere, entry points that exist in the installed wheel, a
complete environment, and health checks that pass against the real processes.

No Docker engine here, so the files are parsed and their commands run against this checkout."""

from __future__ import annotations

import configparser
import importlib
import importlib.util
import json
import os
import re
import shlex
import socket
import ssl
import string
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from tests.conftest import ROOT

APP_SERVICES = ("release", "web", "worker", "beat")
IMAGE = "demeterrr-integrations:latest"
BIN = Path(sys.executable).parent
# Read by host/settings.py but not production settings: the PaaS sets PORT (the Procfile binds
# to it), and eager tasks are for tests only.
NOT_PRODUCTION = {"PORT", "CELERY_TASK_ALWAYS_EAGER"}
REQUIRED = {"SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "PLATFORM_DOMAIN", "EMAIL_URL"}
SAMPLE = {"SECRET_KEY": "k" * 50, "TOKEN_ENCRYPTION_KEYS": "x" * 43 + "=",
          "PLATFORM_DOMAIN": "platform.example.test", "POSTGRES_PASSWORD": "pw",
          "EMAIL_URL": "smtp+tls://u:p@smtp.example.test:587"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def procfile() -> dict[str, str]:
    return {name: command.strip() for name, command in
            (line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines()
             if line.strip())}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` and ``$$``."""
    def one(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""
    return re.sub(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}", one, value)


def web_environment(env: dict[str, str]) -> dict[str, str]:
    return {k: interpolate(str(v), env) for k, v in compose()["services"]["web"]["environment"].items()}


# --- compose and Procfile -----------------------------------------------------------------------


def test_compose_runs_every_app_process_from_the_dockerfile_image():
    services = compose()["services"]
    assert set(services) == {*APP_SERVICES, "postgres", "redis", "proxy", "certs"}
    for name in (*APP_SERVICES, "certs"):
        assert services[name]["image"] == IMAGE
        assert services[name]["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert "dockerfile_inline" not in (ROOT / "docker-compose.yml").read_text()
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            "release": {"condition": "service_completed_successfully"}}
    assert services["release"]["restart"] == "no"
    assert services["release"]["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                                 "redis": {"condition": "service_healthy"}}
    assert "ports" not in services["web"]  # reached through the proxy only


def test_compose_runs_exactly_the_procfile_processes():
    services, lines = compose()["services"], procfile()
    assert set(lines) == set(APP_SERVICES)
    assert services["release"]["command"] == shlex.split(lines["release"])
    for name in ("web", "worker", "beat"):
        sh, flag, script = services[name]["command"]
        assert (sh, flag) == ("sh", "-c")
        # exec: the process is PID 1 and gets the container's SIGTERM itself; $$ is compose's $.
        assert "${" not in script.replace("$${", "")
        assert script.replace("$$", "$") == "exec " + lines[name]


def test_compose_weighs_the_worker_container_below_the_web():
    """Containers ignore each other's nice values: their cgroups' weights decide (1024 default)."""
    services = compose()["services"]
    assert "cpu_shares" not in services["web"]
    assert 0 < services["worker"]["cpu_shares"] < 1024
    assert web_environment(SAMPLE)["WORKER_NICENESS"] == "10"


def test_the_procfile_uses_entry_points_of_the_installed_wheel(tmp_path):
    lines = procfile()
    assert "manage.py" not in (ROOT / "Procfile").read_text()  # not in the wheel
    assert lines["release"] == "demeterrr-manage setup_platform"
    scripts = configparser.ConfigParser()
    scripts.read(ROOT / "setup.cfg")
    assert "demeterrr-manage = host.__main__:main" in scripts["options.entry_points"]["console_scripts"]
    module = re.search(r"gunicorn (\S+):(\w+)", lines["web"])
    assert hasattr(importlib.import_module(module.group(1)), module.group(2))
    assert importlib.import_module("host").celery_app.main == "host"
    assert lines["worker"].startswith("celery -A host worker")
    assert lines["beat"].startswith("celery -A host beat")
    assert "%(U)s" in lines["web"] and "%(r)s" not in lines["web"]  # no query strings in logs
    # The console script works outside the checkout with production settings.
    result = subprocess.run([str(BIN / "demeterrr-manage"), "help", "setup_platform"], cwd=tmp_path,
                            env={"PATH": os.environ["PATH"], "SECRET_KEY": "x", "DEBUG": "false"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage: demeterrr-manage setup_platform" in result.stdout


def test_gunicorn_is_sized_by_the_environment_and_outlasts_the_slowest_crm_page():
    from plugins.salesforce import client, oauth

    web = procfile()["web"]
    assert "--workers ${WEB_CONCURRENCY:-3}" in web and "--threads ${WEB_THREADS:-" in web
    timeout = int(re.search(r"--timeout \$\{WEB_TIMEOUT:-(\d+)\}", web).group(1))
    # Test Fields: a token refresh, then a describe, each at its connect + read timeout.
    slowest_page = sum(oauth.TIMEOUT) + sum(client.TIMEOUT)
    assert timeout > slowest_page
    assert web_environment(SAMPLE)["WEB_TIMEOUT"] == str(timeout)


def _settings_reads() -> tuple[set[str], set[str]]:
    """Variables host/settings.py reads: exact names, and prefixes of f-string names."""
    source = (ROOT / "host/settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', source))
    prefixes = set(re.findall(r'env(?:\.\w+)?\(\s*f"([A-Z][A-Z0-9_]*)\{', source))
    return names, prefixes


def test_the_web_environment_is_the_complete_documented_production_environment():
    services = compose()["services"]
    env = services["web"]["environment"]
    text = (ROOT / "docker-compose.yml").read_text()
    block = text[text.index("environment: &environment"):text.index("    healthcheck:")]
    names, prefixes = _settings_reads()
    assert len(names) > 30
    documented = set(env) | set(re.findall(r"#\s+([A-Z][A-Z0-9_]+):", block))
    assert names - NOT_PRODUCTION - documented == set()
    for prefix in prefixes:
        assert prefix in block, prefix
    # The Procfile's process sizing is part of it too.
    procfile_vars = set(re.findall(r"\$\{(\w+)", (ROOT / "Procfile").read_text()))
    assert procfile_vars - {"PORT"} <= set(env)
    for name in REQUIRED:
        assert str(env[name]).startswith(f"${{{name}:?"), name
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert env["DEBUG"] == "false"
    assert env["SALESFORCE_REDIRECT_URI"] == "https://${PLATFORM_DOMAIN}/oauth/salesforce/callback"
    # Every process runs with the same environment.
    for name in ("release", "worker", "beat"):
        assert services[name]["environment"] == env
    with pytest.raises(KeyError, match="SECRET_KEY"):
        web_environment({k: v for k, v in SAMPLE.items() if k != "SECRET_KEY"})


# repr() without memory addresses: lazy objects (e.g. django-axes' defaults) print one.
SETTINGS_DUMP = """
import json, re, django
django.setup()
from django.conf import settings
print(json.dumps({k: re.sub(r" at 0x[0-9a-f]+", "", repr(getattr(settings, k)))
                  for k in dir(settings) if k.isupper()}))
"""


def _settings_with(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_DUMP], cwd="/", capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "host.settings", **env})
    assert result.returncode == 0, result.stderr[-3000:]
    # Reprs of lazy objects carry memory addresses, which differ between processes.
    return json.loads(re.sub(r"0x[0-9a-f]+", "0x", result.stdout.splitlines()[-1]))


def test_the_compose_defaults_are_the_settings_defaults():
    """Django loads with exactly the compose environment, and every optional value written out
    in docker-compose.yml is what the settings use when it is absent (no drift)."""
    raw = compose()["services"]["web"]["environment"]
    full = web_environment(SAMPLE)
    fixed = {k: v for k, v in full.items() if ":-" not in str(raw[k])}
    assert len(fixed) < len(full) - 15
    assert _settings_with(full) == _settings_with(fixed)


# --- health checks ------------------------------------------------------------------------------


def test_every_long_running_service_has_a_health_check():
    services = compose()["services"]
    for name, service in services.items():
        if service.get("restart") != "no":
            assert service["healthcheck"]["test"], name
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["proxy"]["healthcheck"]["test"][:2] == ["CMD", "curl"]
    assert "https://localhost/healthz" in services["proxy"]["healthcheck"]["test"]
    # Beat's heartbeat in Redis, checked by the command the production walk runs against beat.
    assert services["beat"]["healthcheck"]["test"] == [
        "CMD", "demeterrr-manage", "check_liveness", "--beat"]


def test_the_web_health_check_passes_against_the_app(http_server, django_db_blocker):
    check = compose()["services"]["web"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"] and "127.0.0.1:8000/healthz" in check[3]
    code = check[3].replace("127.0.0.1:8000", f"127.0.0.1:{http_server.port}")
    with django_db_blocker.unblock():  # the server thread reads the database
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=30)
    assert result.returncode == 0, result.stderr[-2000:]
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        nothing = check[3].replace("127.0.0.1:8000", f"127.0.0.1:{unused.getsockname()[1]}")
    assert subprocess.run([sys.executable, "-c", nothing], capture_output=True,
                          timeout=30).returncode != 0


def test_the_worker_health_check_pings_the_worker(celery_worker):
    check = compose()["services"]["worker"]["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL" and "celery@$$HOSTNAME" in check[1]
    node = f"test-{os.getpid()}@{socket.gethostname()}"  # the celery_worker fixture's name
    command = check[1].replace("$$", "$").replace("celery@$HOSTNAME", node)
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    ok = subprocess.run(["sh", "-c", command], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    absent = command.replace(node, "celery@no-such-worker").replace("--timeout 10", "--timeout 1")
    assert subprocess.run(["sh", "-c", absent], cwd=ROOT, env={**os.environ,
                          "PATH": f"{BIN}:{os.environ['PATH']}"}, capture_output=True,
                          timeout=60).returncode != 0


# --- Dockerfile and .dockerignore ---------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip()[:-1] + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            joined.append(current)
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip()) for line in joined]


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages, name = {}, None
    for instruction, args in dockerfile():
        if instruction == "FROM":
            name = args.split(" AS ")[-1]
            stages[name] = []
        elif name:
            stages[name].append((instruction, args))
    return stages


def test_the_dockerfile_builds_the_wheel_and_installs_only_it_as_a_non_root_user():
    instructions = dockerfile()
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in instructions
    assert [a for i, a in instructions if i == "FROM"] == ["${PYTHON_IMAGE} AS builder",
                                                           "${PYTHON_IMAGE} AS runtime"]
    stages = _stages()
    sources = {s for i, a in stages["builder"] if i == "COPY" for s in a.split()[:-1]}
    assert sources == {"pyproject.toml", "setup.cfg", "README.md", "host", "tenants", "plugins", "api"}
    assert ("RUN", "pip wheel --wheel-dir /wheels .") in stages["builder"]
    runtime = stages["runtime"]
    assert not [a for i, a in runtime if i == "COPY"]  # nothing from the build context
    installs = [a for i, a in runtime if i == "RUN" and "pip install" in a]
    assert len(installs) == 1
    assert installs[0].endswith("pip install --no-index --find-links /wheels demeterrr-integrations")
    assert " -e " not in installs[0] and "[" not in installs[0].split("pip install")[1]
    env = " ".join(a for i, a in runtime if i == "ENV")
    assert "DJANGO_SETTINGS_MODULE=host.settings" in env
    users = [(n, a) for n, (i, a) in enumerate(runtime) if i == "USER"]
    assert [a for _, a in users] == ["app"]
    assert all(n < users[0][0] for n, (i, _) in enumerate(runtime) if i == "RUN")
    useradd = next(a for i, a in runtime if i == "RUN" and "useradd" in a)
    assert "--uid 10001" in useradd
    cmd = next(a for i, a in runtime if i == "CMD")
    assert json.loads(cmd) == ["sh", "-c", "exec " + procfile()["web"]]


def test_the_dockerfile_collects_static_files_with_the_build_time_environment(tmp_path):
    """Its collectstatic line, run as written (only STATIC_ROOT points into a temp folder)."""
    runtime = _stages()["runtime"]
    collect = next(a for i, a in runtime if i == "RUN" and "collectstatic" in a)
    assert "SECRET_KEY=" in collect and "demeterrr-manage collectstatic --noinput" in collect
    image_env = dict(pair.split("=", 1) for i, a in runtime if i == "ENV" for pair in a.split())
    (tmp_path / "docker_build_settings.py").write_text(
        f"from host.settings import *  # noqa: F403\nSTATIC_ROOT = {str(tmp_path / 'static')!r}\n")
    env = {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(tmp_path), **image_env,
           "DJANGO_SETTINGS_MODULE": "docker_build_settings", "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(["sh", "-c", collect], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "static files copied" in result.stdout
    assert list((tmp_path / "static" / "host").glob("site*.css"))
    assert (tmp_path / "static" / "admin").is_dir()  # the Django admin's too


def _dockerignore_regexes() -> list[re.Pattern]:
    regexes = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = line.strip().lstrip("/")
        if not pattern or pattern.startswith("#"):
            continue
        assert not pattern.startswith("!"), "keep .dockerignore a plain deny list"
        rx = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*") \
            .replace(r"\?", "[^/]").replace(r"\[", "[").replace(r"\]", "]")
        regexes.append(re.compile(rx))
    return regexes


def _ignored(path: str, regexes) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return any(rx.fullmatch(prefix) for rx in regexes for prefix in prefixes)


def test_dockerignore_keeps_secrets_state_and_dev_code_out_of_the_build_context():
    regexes = _dockerignore_regexes()
    for path in (".git", ".git/config", ".venv/bin/python", ".dev/env", ".dev/pgdata/PG_VERSION",
                 ".env", ".env.production", "deploy/.env", "host/__pycache__/urls.cpython-311.pyc",
                 "demeterrr_integrations.egg-info/PKG-INFO", "test-artifacts/shot.png",
                 "build/lib/host/settings.py", "staticfiles/host/site.css", "devtools/dev.py",
                 "tests/conftest.py", ".pytest_cache/v/x"):
        assert _ignored(path, regexes), path
    needed = ["pyproject.toml", "setup.cfg", "README.md"] + [
        p.relative_to(ROOT).as_posix() for package in ("host", "tenants", "plugins", "api")
        for p in (ROOT / package).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    assert len(needed) > 150
    assert [p for p in needed if _ignored(p, regexes)] == []


# --- TLS: the proxy, its certificate ------------------------------------------------------------


def test_the_proxy_terminates_tls_with_deploy_nginx_conf_and_the_certificate_volume():
    services = compose()["services"]
    proxy, certs = services["proxy"], services["certs"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["ports"] == ["${HTTPS_PORT:-443}:443", "${HTTP_PORT:-80}:80"]
    assert "${TLS_CERT_DIR:-certs}:/etc/nginx/certs:ro" in proxy["volumes"]
    assert proxy["depends_on"] == {"certs": {"condition": "service_completed_successfully"},
                                   "web": {"condition": "service_healthy"}}
    assert certs["command"] == ["python", "/deploy/local_cert.py", "--out", "/certs"]
    assert "./deploy/local_cert.py:/deploy/local_cert.py:ro" in certs["volumes"]
    assert "${TLS_CERT_DIR:-certs}:/certs" in certs["volumes"]


def test_deploy_nginx_conf_uses_the_paths_compose_provides():
    """deploy/nginx.conf, rendered with the proxy service's environment as nginx's image does,
    listens where compose publishes, uses the certificate compose mounts and proxies to web."""
    proxy = compose()["services"]["proxy"]
    env = {k: str(v) for k, v in proxy["environment"].items()}
    template = "./deploy/nginx.conf:/etc/nginx/templates/platform.conf.template:ro"
    assert template in proxy["volumes"]
    names = set(re.findall(r"\$\{(\w+)\}", (ROOT / "deploy" / "nginx.conf").read_text()))
    assert names and all(re.fullmatch(env["NGINX_ENVSUBST_FILTER"], n) for n in names)
    rendered = string.Template((ROOT / "deploy" / "nginx.conf").read_text()).safe_substitute(env)
    assert "ssl_certificate /etc/nginx/certs/cert.pem;" in rendered
    assert "ssl_certificate_key /etc/nginx/certs/key.pem;" in rendered
    assert "server web:8000;" in rendered and "listen 443 ssl;" in rendered
    assert "listen 80;" in rendered
    assert {p.split(":")[-1] for p in proxy["ports"]} == {"443", "80"}
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in rendered


def _load_local_cert():
    spec = importlib.util.spec_from_file_location("local_cert", ROOT / "deploy" / "local_cert.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _handshake(cert: Path, key: Path, server_name: str) -> None:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        def serve():
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            with socket.create_connection(listener.getsockname(), timeout=10) as raw, \
                    client_ctx.wrap_socket(raw, server_hostname=server_name):
                pass
        finally:
            thread.join(10)


def test_the_local_certificate_covers_every_org_host_and_is_kept_across_restarts(tmp_path):
    local_cert = _load_local_cert()
    out = tmp_path / "certs"
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / "local_cert.py"), "--out", str(out)],
                            env={"PATH": os.environ["PATH"], "PLATFORM_DOMAIN": "platform.example.test"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "wrote a new certificate" in result.stdout, result.stderr
    cert, key = out / "cert.pem", out / "key.pem"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    san = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert {"platform.example.test", "*.platform.example.test", "localhost", "*.localhost"} <= set(san)
    for host in ("platform.example.test", "acme.platform.example.test", "localhost"):
        _handshake(cert, key, host)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(cert, key, "evil.example.com")
    first = cert.read_bytes()
    assert local_cert.ensure(out, "platform.example.test") is False  # a restart keeps it
    assert cert.read_bytes() == first
    assert local_cert.ensure(out, "other.example.test") is True  # PLATFORM_DOMAIN changed
    assert cert.read_bytes() != first


def test_the_certs_service_never_replaces_the_operators_certificate(tmp_path):
    """A certificate it did not make (TLS_CERT_DIR with your own) is kept, even for other names."""
    import datetime as dt

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Operator's CA")])
    now = dt.datetime.now(dt.UTC)
    own = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
           .public_key(key.public_key()).serial_number(1).not_valid_before(now)
           .not_valid_after(now + dt.timedelta(days=90))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName("platform.example.com")]),
                          critical=False)
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    (tmp_path / "cert.pem").write_bytes(own)
    (tmp_path / "key.pem").write_bytes(b"the operator's key")
    assert _load_local_cert().ensure(tmp_path, "platform.example.com") is False
    assert (tmp_path / "cert.pem").read_bytes() == own
    assert (tmp_path / "key.pem").read_bytes() == b"the operator's key"


def test_the_readme_quick_start_env_file_is_enough_to_start(tmp_path):
    """The README's `cat > .env` block, run as written: valid secrets, and Django loads with the
    compose environment they produce."""
    from cryptography.fernet import Fernet

    readme = (ROOT / "README.md").read_text()
    deploy = readme[readme.index("## Deploy"):readme.index("## Salesforce integration")]
    block = re.search(r"^cat > \.env <<EOF\n.*?^EOF\n", deploy, re.S | re.M).group(0)
    subprocess.run(["sh", "-c", block], cwd=tmp_path, check=True, timeout=60,
                   env={"PATH": "/usr/bin:/bin"})
    values = dict(line.split("=", 1) for line in (tmp_path / ".env").read_text().splitlines())
    assert set(values) >= REQUIRED | {"POSTGRES_PASSWORD"}
    assert len(values["SECRET_KEY"]) >= 50
    Fernet(values["TOKEN_ENCRYPTION_KEYS"].encode())  # a valid key
    assert re.fullmatch(r"[\w-]+", values["POSTGRES_PASSWORD"])  # safe inside DATABASE_URL
    loaded = _settings_with(web_environment(values))
    assert loaded["DEBUG"] == "False" and loaded["PLATFORM_DOMAIN"] == "'localhost'"
