"""A worker runs at a lower CPU priority than the web (``WORKER_NICENESS``), its session too when
it leads one (Linux's autogroup weighs sessions before ``nice``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.conftest import ROOT

AUTOGROUPS = Path("/proc/sys/kernel/sched_autogroup_enabled").exists()


def niceness(pid: int) -> int:
    """A process's nice value, field 19 of ``/proc/<pid>/stat`` (after the command's parens)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])


def autogroup_nice(pid: int) -> int | None:
    """``/autogroup-123 nice 10`` → 10; None for a process in no autogroup of its own (the file is
    empty: a container's processes that never started a session share the root group)."""
    fields = Path(f"/proc/{pid}/autogroup").read_text().split()
    return int(fields[-1]) if fields else None


PROBE = """
import os, sys
from host.worker_priority import lower
print(repr(lower(int(sys.argv[1]))))
print(os.nice(0))
group = open("/proc/self/autogroup").read().split() if os.path.exists("/proc/self/autogroup") else []
print(group[-1] if group else "-")
"""


def probe(niceness: int, own_session: bool) -> list[str]:
    out = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", PROBE, str(niceness)], cwd=ROOT, capture_output=True, text=True,
        check=True, start_new_session=own_session)
    return out.stdout.split("\n")


def test_a_session_leader_lowers_itself_and_its_session():
    changes, nice, group = probe(7, own_session=True)[:3]
    assert int(nice) == os.nice(0) + 7
    if AUTOGROUPS:
        assert group == "7"
        assert "session (autogroup) nice 7" in changes
    else:  # a kernel without autogroups: the process's own nice is all there is
        assert group == "-"


def test_a_worker_sharing_the_webs_session_leaves_the_session_alone():
    """Lowering a shared session's weight would lower everything in it, the web too."""
    mine = autogroup_nice(os.getpid()) if AUTOGROUPS else None
    changes, nice, group = probe(7, own_session=False)[:3]
    assert int(nice) == os.nice(0) + 7
    assert "autogroup" not in changes
    if AUTOGROUPS:
        assert group == ("-" if mine is None else str(mine))


def test_zero_changes_nothing():
    changes, nice, _ = probe(0, own_session=True)[:3]
    assert changes == "[]"
    assert int(nice) == os.nice(0)


def test_the_real_worker_runs_below_the_web(celery_worker):
    """The test suite's worker starts in a session of its own, as a supervisor starts it."""
    assert settings.WORKER_NICENESS > 0
    assert niceness(celery_worker.pid) == os.nice(0) + settings.WORKER_NICENESS
    if AUTOGROUPS:
        assert autogroup_nice(celery_worker.pid) == settings.WORKER_NICENESS
