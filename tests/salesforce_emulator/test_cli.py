"""The foreground CLI: starts, serves the seeded org, redacts secrets in logs, stops on SIGTERM."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_runs_seeded_and_stops_cleanly_on_sigterm():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.salesforce_emulator", "--host", "127.0.0.1", "--port",
         str(port), "--seed", "demo", "--contacts", "25"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/services/data/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        state = requests.get(base + "/__emulator__/state", timeout=5).json()
        assert state["records"]["Contact"]["total"] == 25 and state["base_url"] == base
        requests.get(base + "/services/oauth2/revoke?token=TOPSECRETVALUE", timeout=5)
        requests.get(base + "/services/data/v59.0/limits", timeout=5,
                     headers={"Authorization": "Bearer HEADERSECRET"})
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "/services/oauth2/revoke?token=***" in err
    assert "TOPSECRETVALUE" not in err and "HEADERSECRET" not in err
    assert "stopping" in err
