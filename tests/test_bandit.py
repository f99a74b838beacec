"""bandit finds nothing of medium or high severity in the product's code."""

import subprocess
import sys

from tests.conftest import ROOT


def test_bandit_is_clean_at_medium_severity():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", "host", "tenants", "plugins", "api",
         "--severity-level", "medium", "--format", "txt"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
