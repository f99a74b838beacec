"""Shared fixtures: real PostgreSQL (test database with two orgs), real Redis, a real worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-9"


def pytest_configure(config):
    try:
        import fake_crm  # noqa: F401
    except ImportError:
        raise pytest.UsageError(
            "The fake CRM test plugin is not installed: run the tests with `make test`."
        ) from None
    if not _is_xdist_controller(config):  # each xdist worker has its own emulators
        fresh = hasattr(config, "workerinput")
        _reserve_emulator_port(fresh=fresh)
        _reserve_hubspot_emulator_port(fresh=fresh)
    else:  # the database the first worker builds and the others copy (``_test_database``)
        os.environ["TEST_DB_TEMPLATE"] = f"test_platform_tpl_{uuid.uuid4().hex[:12]}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reserve_hubspot_emulator_port(fresh: bool = False) -> None:
    """As for Salesforce: the session's HubSpot emulator gets its port now, and every process the
    run starts sees it as ``HUBSPOT_API_URL`` and ``HUBSPOT_AUTH_URL`` (one host serves both).
    An xdist worker (``fresh``) always takes a port of its own."""
    if "TEST_HUBSPOT_EMULATOR_PORT" in os.environ and not fresh:
        return
    port = _free_port()
    os.environ["TEST_HUBSPOT_EMULATOR_PORT"] = str(port)
    os.environ["HUBSPOT_API_URL"] = os.environ["HUBSPOT_AUTH_URL"] = f"http://127.0.0.1:{port}"


def pytest_unconfigure(config):
    template = os.environ.get("TEST_DB_TEMPLATE")
    if _is_xdist_controller(config) and template:
        _admin_sql(f'DROP DATABASE IF EXISTS "{template}"')
        (ROOT / ".dev" / f"{template}.lock").unlink(missing_ok=True)


def _is_xdist_controller(config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def _reserve_emulator_port(fresh: bool = False) -> None:
    """The session's Salesforce emulator listens on one port chosen now, and every process this
    run starts (workers, beat, gunicorn) is configured with it as ``SALESFORCE_LOGIN_URL``: the
    platform only speaks plain HTTP to the loopback emulator its operator configured. An xdist
    worker (``fresh``) always takes a port of its own."""
    if "TEST_EMULATOR_PORT" in os.environ and not fresh:
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    os.environ["TEST_EMULATOR_PORT"] = str(port)
    os.environ["SALESFORCE_LOGIN_URL"] = f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_modify_db_settings,
                    django_db_blocker):
    """A fresh test database with the org template schema and two organizations A and B.

    Always created, even for a run whose tests only use committed data (worker and server
    tests), so no test ever touches the development database. Under pytest-xdist each worker
    has its own (``django_db_modify_db_settings`` adds ``_gw0``, ``_gw1``... to the name).
    """
    from django.test.utils import teardown_databases

    with django_db_blocker.unblock():
        db_cfg = _test_database()
        assert settings.DATABASES["default"]["NAME"].startswith("test_")
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        _disconnect_others()
        connection.close()
        teardown_databases(db_cfg, verbosity=0)


def _test_database():
    """Create this process's test database; return what ``teardown_databases`` needs.

    In a serial run: migrations, the org template schema and orgs A and B. Under pytest-xdist
    the first worker does that once and copies its database as ``TEST_DB_TEMPLATE`` (named by
    the controller, dropped by it at the end); every other worker's is a copy of that
    (``CREATE DATABASE ... TEMPLATE``: seconds, instead of every migration on a busy machine).
    """
    from django.test.utils import setup_databases

    template = os.environ.get("TEST_DB_TEMPLATE")
    if not os.environ.get("PYTEST_XDIST_WORKER") or not template:
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        _populate_test_database()
        _no_commit_wait(connection.settings_dict["NAME"])
        return db_cfg
    import fcntl

    lock_path = ROOT / ".dev" / f"{template}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder; the others wait, then copy
        if not _database_exists(template):
            db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
            _populate_test_database()
            connection.close()  # a database with sessions cannot be copied
            _admin_sql(f'CREATE DATABASE "{template}" TEMPLATE "{connection.settings_dict["NAME"]}"')
            _no_commit_wait(connection.settings_dict["NAME"])
            return db_cfg
        old_name = connection.settings_dict["NAME"]
        name = connection.creation._get_test_db_name()  # test_platform_gw1: the xdist suffix
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}"',
                   f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = name
    _no_commit_wait(name)
    return [(connection, old_name, True)]


def _no_commit_wait(name: str) -> None:
    """Commits on the test database return before their WAL is flushed to disk (a crash may lose
    the last ones, which a test database never needs); the sessions opened from now on (this
    process's next one, workers, servers) get it."""
    _admin_sql(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
    connection.close()


def _populate_test_database() -> None:
    from host.management.commands.setup_platform import ensure_public_tenant, migrate_template
    from tenants.services import create_organization

    ensure_public_tenant()
    migrate_template()
    for slug in ("org-a", "org-b"):
        create_organization(slug, f"Org {slug[-1].upper()}",
                            owner_email=f"owner@{slug}.example", owner_password=PASSWORD)


def _admin_sql(*statements: str) -> None:
    """Statements outside any database of the test run (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _disconnect_others() -> None:
    """End connections that server threads or browsers left open, so the database can go."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session")
def emulator():
    """The session's Salesforce emulator, on the port workers and beat know (see
    ``_reserve_emulator_port``). Tests reset it (the ``sf`` fixture) rather than start their own
    when a worker or beat must reach it."""
    from devtools.salesforce_emulator import start_emulator

    handle = start_emulator(port=int(os.environ.get("TEST_EMULATOR_PORT", "0")))
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def hubspot_emulator():
    """The session's HubSpot emulator, on the port workers and beat know (see
    ``_reserve_hubspot_emulator_port``). Tests reset it (the ``hs`` fixture of
    ``tests/hubspot``) rather than start their own."""
    from devtools.hubspot_emulator import start_emulator

    handle = start_emulator(port=int(os.environ.get("TEST_HUBSPOT_EMULATOR_PORT", "0")))
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    connection.set_schema_to_public()


def forget_fan_out_marks() -> None:
    """As if every task beat's fan-outs and webhooks' wake-ups sent had started
    (``host.tasking.PENDING_HEADER``)."""
    import redis

    from host.tasking import _redis, pending_prefix

    try:
        keys = list(_redis().scan_iter(f"{pending_prefix()}:*", count=1000))
        if keys:
            _redis().delete(*keys)
    except redis.RedisError:
        pass  # a test left Redis stopped; nothing can be pending there


@pytest.fixture(autouse=True)
def _no_fan_out_marks():
    """The marks live in Redis, outside the test's transaction: every test starts without any."""
    forget_fan_out_marks()


@pytest.fixture(autouse=True)
def _no_kept_webhook_connections():
    """A rolled-back test fires no ``post_save``: the next one must not see its kept rows."""
    from host.webhooks import connections

    connections.forget()


def _org(slug):
    from tenants.models import Organization

    return Organization.objects.get(slug=slug)


@pytest.fixture
def org_a(db):
    return _org("org-a")


@pytest.fixture
def org_b(db):
    return _org("org-b")


def owner_of(org):
    return org.memberships.get(role="owner").user


def host_of(org) -> str:
    return org.get_primary_domain().domain


@pytest.fixture
def client_a(org_a):
    """A signed-in owner of org A, talking to org A's host."""
    client = Client(HTTP_HOST=host_of(org_a))
    client.force_login(owner_of(org_a))
    return client


@pytest.fixture
def public_client(db):
    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN)


@pytest.fixture
def in_org_a(org_a):
    with org_a:
        yield org_a


@pytest.fixture
def celery_eager():
    """Run enqueued tasks in-process (unit tests); real-worker tests use ``celery_worker``."""
    from host.celery_app import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


# --- Committed data, a real worker ------------------------------------------------------------


@pytest.fixture
def committed_org(django_db_setup, django_db_blocker):
    """A fresh organization in committed (autocommit) mode, deleted afterwards.

    For tests whose other side (a worker process, a server thread) must see the data. The org's
    rows (organization, domain, memberships) are deleted at teardown, so no later test or task
    sees it; its schema is left to go with the test database at the end of the session:
    ``DROP SCHEMA`` per test cost seconds, and waited on locks a worker still held.
    """
    from tenants.services import create_organization

    created = []

    def make(prefix="live"):
        slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
        org = create_organization(slug, f"Live {slug}",
                                  owner_email=f"owner@{slug}.example", owner_password=PASSWORD)
        created.append(org)
        return org

    with django_db_blocker.unblock():
        yield make
        connection.set_schema_to_public()
        for org in created:
            _forget(org)


def _forget(org) -> None:
    """Delete a committed test org's rows; its schema stays until the test database is dropped.

    With ``auto_drop_schema`` on, django-tenants drops the schema from the delete's
    ``post_delete`` signal, a queryset's delete too: that ``DROP SCHEMA`` waited on a worker still
    finishing a task in the schema, deadlocked with it, and left the org's rows (and its connected
    account's route) behind for every later test of the process.
    """
    if org.pk is None:  # the test deleted it
        return
    org.auto_drop_schema = False  # read by both the model's delete and the signal
    org.delete()


def _drop(org, attempts: int = 5) -> None:
    """Drop a committed test org; a worker may still hold locks in it, so retry on deadlock."""
    from django.db import DatabaseError

    for attempt in range(attempts):
        try:
            org.delete(force_drop=True)
            return
        except DatabaseError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))


def database_url(name: str | None = None) -> str:
    """A URL of the test server: the test database, or database ``name`` on it."""
    db = settings.DATABASES["default"]
    name = name or db["NAME"]
    host = db.get("OPTIONS", {}).get("host") or db.get("HOST") or ""
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    if host.startswith("/"):
        return f"postgres://{auth}@/{name}?host={host}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{name}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup):
    """A real Celery worker process on the test database and the test Redis."""
    from host.celery_app import app

    app.control.purge()
    maildir = ROOT / ".dev" / f"test-mail-{os.getpid()}"
    maildir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": database_url(), "EMAIL_URL": f"filemail:///{maildir}"}
    log = open(ROOT / ".dev" / f"test-worker-{os.getpid()}.log", "w")  # noqa: SIM115
    node = f"test-{os.getpid()}@{socket.gethostname()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "host", "worker", "-l", "info",
         "--pool", "threads", "--concurrency", "4", "--without-gossip", "--without-mingle",
         "-Q", ",".join(settings.TASK_QUEUES), "-n", node],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited; see {log.name}")
        # This worker, not any other on the same broker (a stray one of an interrupted run).
        if app.control.ping(destination=[node], timeout=0.5):
            break
    else:
        proc.kill()
        raise RuntimeError("celery worker did not answer ping in 60 s")
    proc.maildir = maildir
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


class LiveServer:
    """The platform served over real HTTP on loopback (a thread of this test process)."""

    def __init__(self, port: int):
        self.port = port

    def url(self, host: str, path: str = "/") -> str:
        """A browser URL (Chromium resolves *.localhost to 127.0.0.1)."""
        return f"http://{host}:{self.port}{path}"

    def request(self, method: str, host: str, path: str, **kwargs):
        """Python ``requests`` cannot resolve *.localhost: send to 127.0.0.1 with a Host header."""
        import requests

        headers = {"Host": f"{host}:{self.port}", **kwargs.pop("headers", {})}
        return requests.request(method, f"http://127.0.0.1:{self.port}{path}", headers=headers,
                                allow_redirects=kwargs.pop("allow_redirects", False),
                                timeout=kwargs.pop("timeout", 30), **kwargs)


@pytest.fixture(scope="session")
def http_server(django_db_setup):
    import threading

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(WSGIHandler()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(server.server_port)
    server.shutdown()
    server.server_close()
