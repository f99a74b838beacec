"""A real worker process runs each task in the schema of the org that enqueued it."""

from __future__ import annotations

import pytest
from django.db import connection

from host.celery_app import app
from host.models import Contact

pytestmark = pytest.mark.usefixtures("celery_worker")


def test_each_org_task_reads_only_its_own_rows(committed_org):
    from fake_crm.tasks import contact_emails

    first, second = committed_org("route"), committed_org("route")
    results = {}
    for org, emails in ((first, ["a1@example.com", "a2@example.com"]),
                        (second, ["b1@example.com"])):
        with org:
            Contact.objects.bulk_create([Contact(email=e) for e in emails])
            results[org.slug] = contact_emails.delay()
    assert results[first.slug].get(timeout=30) == ["a1@example.com", "a2@example.com"]
    assert results[second.slug].get(timeout=30) == ["b1@example.com"]


def test_a_task_without_an_org_refuses_to_run(committed_org):
    committed_org()  # committed data exists, but the message names no organization
    connection.set_schema_to_public()
    result = app.send_task("fake_crm.contact_emails")
    with pytest.raises(Exception, match="without an organization"):
        result.get(timeout=30)


def test_public_periodic_task_fans_out_to_every_org(committed_org):
    from fake_crm.tasks import tick

    orgs = [committed_org("fan") for _ in range(2)]
    assert tick.delay().get(timeout=30) >= len(orgs)
