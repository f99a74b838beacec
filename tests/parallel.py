"""Isolation of parallel test processes (pytest-xdist), loaded with ``-p tests.parallel``.

A pytest plugin rather than part of ``tests/conftest.py`` because it must run before
pytest-django reads the settings: each xdist worker gets its own Redis database (Celery broker,
queues, broadcasts, results, the Django cache and every counter kept there), which the processes
it starts (Celery workers, beat, gunicorn) inherit through ``REDIS_URL``. pytest-django gives each
worker its own test database (``test_platform_gw0``...), ``tests/conftest.py`` its own emulator
port, and every file a test writes under ``.dev/`` is named by process id.

Scheduling (``--dist loadgroup``, which ``make test`` passes): a test without an ``xdist_group``
mark is grouped with the rest of its module, so module-scoped fixtures are built once and a
module's tests run in order on one worker, as in a serial run; a mark names a group that spans
modules. Groups are handed out heaviest first (real workers, servers, browsers, subprocesses),
so no long test starts last while the other workers idle.
"""

from __future__ import annotations

import hashlib
import os
import random

import pytest

# Redis databases of a run: make run uses 0, a serial test run 1 (devtools/dev.py), the production
# walk 3 (tests/production); xdist worker gwN uses FIRST_WORKER_DB + N.
FIRST_WORKER_DB, REDIS_DATABASES = 4, 16
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def worker_index() -> int | None:
    """0, 1, ... in an xdist worker (``gw0``, ``gw1``...); None in a serial run or the controller."""
    return int(WORKER[2:]) if WORKER.startswith("gw") else None


def _isolate_redis() -> None:
    index = worker_index()
    url = os.environ.get("REDIS_URL")
    if index is None or not url:
        return
    db = FIRST_WORKER_DB + index
    if db >= REDIS_DATABASES:
        raise RuntimeError(f"xdist worker {WORKER} has no Redis database of its own: run at most "
                           f"{REDIS_DATABASES - FIRST_WORKER_DB} workers (make test TEST_WORKERS=N)")
    base, _, _ = url.partition("?")
    os.environ["REDIS_URL"] = base.rsplit("/", 1)[0] + f"/{db}" + url[len(base):]


_isolate_redis()

# What makes a test heavy: a real worker, a server, a browser, a private stack. Weights are
# rough seconds on a 2-core machine; only their order matters.
HEAVY_FIXTURES = {"celery_worker": 20, "committed_org": 6, "live": 6, "http_server": 3,
                  "production": 120}
HEAVY_MARKERS = {"slow": 60}
HEAVY_PATHS = {"/e2e/": 60, "browser": 20, "/production/": 120, "/reliability/": 60,
               "test_packaging": 10, "test_dev_env": 10, "test_deploy_files": 10, "test_bandit": 10}


def _weight(item: pytest.Item) -> float:
    fixtures = set(getattr(item, "fixturenames", ()))
    weight = 0.2 + sum(w for name, w in HEAVY_FIXTURES.items() if name in fixtures)
    weight += sum(w for name, w in HEAVY_MARKERS.items() if item.get_closest_marker(name))
    return weight + sum(w for part, w in HEAVY_PATHS.items() if part in item.nodeid)


def _group(item: pytest.Item) -> str | None:
    """The ``xdist_group`` mark's name (several marks: joined, as xdist does), else None."""
    marks = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                    for m in item.iter_markers("xdist_group")})
    return "_".join(marks) or None


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_configure(config):
    """The controller of ``-n N --dist loadgroup``: hand out groups in the workers' order."""
    if config.getoption("dist", "no") == "loadgroup" and config.getoption("numprocesses", 0):
        config.option.loadscopereorder = False  # the order below (heaviest first) is the plan


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """loadgroup, with a test's module as its group when it has no ``xdist_group`` mark."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            group = super()._split_scope(nodeid)  # a mark's group, carried as "<id>@<group>"
            return group if group != nodeid else _module(nodeid)

    return ModuleGroupScheduling(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    """Every worker must collect the same test ids, and some are made at import time from
    ``uuid.uuid4()`` or ``random`` (a made-up id in a parametrized path): during collection both
    draw from one stream per run (xdist's run id), after it from the OS again."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        return (yield)
    stream = random.Random(hashlib.sha256(run.encode()).digest())
    real_urandom = os.urandom
    os.urandom = stream.randbytes  # what uuid.uuid4() reads; secrets keeps its own reference
    random.seed(run)
    try:
        return (yield)
    finally:
        os.urandom = real_urandom
        random.seed()


# In each worker, after pytest-django's reordering (also tryfirst, registered later, so it runs
# first) and before xdist's own hook.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under loadgroup: heaviest group first (the scheduler hands groups out in this order),
    order kept within a group."""
    if not getattr(config.option, "loadgroup", False):  # set by xdist in its workers
        return
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        group = _group(item)
        if group and hasattr(item, "_id") and not item.nodeid.endswith("@" + group):
            # pytest 9.2's structured node ids ignore xdist 3.8's rewrite of ``_nodeid``
            # (pytest-xdist#1386): carry the group in the id as xdist means to.
            from _pytest.nodeid import coerce_node_id

            item._id = coerce_node_id(f"{item.nodeid}@{group}")
        groups.setdefault(group or _module(item.nodeid), []).append(item)
    weight = {name: sum(map(_weight, members)) for name, members in groups.items()}
    items[:] = [item for name in sorted(groups, key=lambda n: -weight[n]) for item in groups[name]]
