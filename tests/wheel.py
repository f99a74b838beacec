"""Build the platform's wheel the way the Dockerfile does, from a clean copy of the checkout.

A copy, because setuptools reuses ``build/`` between builds: a file deleted from the source would
still ship from a stale ``build/lib``. Without build isolation (the pinned setuptools of the test
extra), so it takes about a second and needs no network.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# Never part of a build: VCS, virtualenvs, the dev stack's state, caches and earlier builds.
IGNORED = shutil.ignore_patterns(".git", ".venv", ".dev", "build", "dist", "*.egg-info",
                                 "__pycache__", "*.pyc", "staticfiles", "test-artifacts",
                                 ".pytest_cache", ".ruff_cache", "node_modules")


def build_wheel(workdir: Path) -> Path:
    """Build the wheel under ``workdir`` and return its path."""
    source, out = workdir / "src", workdir / "dist"
    shutil.copytree(ROOT, source, ignore=IGNORED, symlinks=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir",
         "--wheel-dir", str(out), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wheels = list(out.glob("demeterrr_integrations-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]
