"""``make run``'s HubSpot emulator: the platform settings it writes and the process it starts
agree (credentials, callback, webhook URL), and the CLI serves the demo portal."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from devtools import dev

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_points_the_platform_at_the_emulator_it_starts(monkeypatch):
    port = _free_port()
    for key in ("HUBSPOT_EMULATOR_PORT", "PLATFORM_DOMAIN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("EMULATOR_PORT", str(port - 1))
    env = dev._hubspot_defaults("8104")
    assert env["HUBSPOT_API_URL"] == env["HUBSPOT_AUTH_URL"] == f"http://127.0.0.1:{port}"
    assert env["HUBSPOT_REDIRECT_URI"] == "http://localhost:8104/oauth/hubspot/callback"
    assert {"HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET", "HUBSPOT_API_URL",
            "HUBSPOT_AUTH_URL", "HUBSPOT_REDIRECT_URI"} <= set(dev.ENV_FILE_KEYS)

    proc = subprocess.Popen(dev._hubspot_command(env, "8104") + ["--quiet"], cwd=ROOT,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = env["HUBSPOT_API_URL"]
    try:
        for _ in range(200):
            try:
                state = requests.get(base + "/__emulator__/", timeout=1).json()
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        cfg = state["config"]
        assert cfg["client_id"] == env["HUBSPOT_CLIENT_ID"]
        assert cfg["client_secret"] == env["HUBSPOT_CLIENT_SECRET"]
        assert cfg["redirect_uris"] == [env["HUBSPOT_REDIRECT_URI"]]
        assert state["webhooks"]["target_url"] == (
            "http://localhost:8104/api/v1/integrations/hubspot/webhook")
        assert state["portals"][str(cfg["portal_id"])]["contacts"] == 300
        assert state["portals"][str(cfg["portal_id"])]["deals"] == 8
        page = requests.get(base + "/oauth/authorize", timeout=5, params={
            "client_id": env["HUBSPOT_CLIENT_ID"], "redirect_uri": env["HUBSPOT_REDIRECT_URI"],
            "scope": " ".join(cfg["required_scopes"]), "state": "s"})
        assert page.status_code == 200 and "Connect app" in page.text
        # A reset (as a test would do) keeps the app's webhook URL.
        requests.post(base + "/__emulator__/reset", json={}, timeout=5)
        assert requests.get(base + "/__emulator__/webhooks", timeout=5).json()["target_url"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0
