"""Fixtures of the reliability tests (real Redis, real worker processes)."""

from __future__ import annotations

import pytest

from tests.reliability.workers import only_new_workers


@pytest.fixture
def alone_on_empty_queues():
    """Only the test's own workers consume, from queues emptied before and after it."""
    from host.celery_app import app

    app.control.purge()
    with only_new_workers():
        yield
    app.control.purge()
