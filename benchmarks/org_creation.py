"""Org creation: cloning the migrated template schema vs running every migration (median of 20).

    .venv/bin/python -m benchmarks.org_creation
"""

from __future__ import annotations

import time
import uuid

from benchmarks.common import median, report, setup

RUNS = 20


def create_many(label: str, runs: int) -> list[float]:
    from tenants.services import create_organization

    timings, created = [], []
    for _ in range(runs):
        slug = f"bench-{label}-{uuid.uuid4().hex[:8]}"
        start = time.perf_counter()
        created.append(create_organization(slug, slug))
        timings.append(time.perf_counter() - start)
    for org in created:
        org.delete(force_drop=True)
    return timings


def main() -> None:
    setup()
    from django.test import override_settings

    cloned = create_many("clone", RUNS)
    with override_settings(TENANT_BASE_SCHEMA="no_template_here"):
        migrated = create_many("migr", RUNS)
    report("org creation, cloned (median of 20)", median(cloned) * 1000, "ms")
    report("org creation, migrated (median of 20)", median(migrated) * 1000, "ms")
    report("org creation speed-up from cloning", median(migrated) / median(cloned), "x")


if __name__ == "__main__":
    main()
